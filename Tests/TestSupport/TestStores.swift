import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MMEmbeddedStore
import MMPostgresStore
import MMSearchKit

/// The stores a test can run against: every behaviour the storage protocol promises is tested
/// on each of them with the same test (`@Test(arguments: TestStore.allCases)`).
///
/// The PostgreSQL ones need real servers: `MMSEARCH_TEST_POSTGRES` (a server URL) and, for the
/// sharded store, `MMSEARCH_TEST_POSTGRES_SHARDS` (comma-separated server URLs). Scripts/test.sh
/// starts them (Scripts/lib/postgres.sh); a missing server is a setup error, not a reason to
/// skip. Each index gets fresh databases of its own.
public enum TestStore: String, CaseIterable, Sendable, CustomStringConvertible {
    /// SQLite + memory-mapped vector files in a folder.
    case embedded
    /// One PostgreSQL server with pgvector.
    case postgres
    /// A coordinator and three shards (postgres_fdw).
    case sharded

    public var description: String { rawValue }

    /// The PostgreSQL stores alone.
    public static let servers: [TestStore] = [.postgres, .sharded]

    /// Where a new, empty index of this kind lives: `folder` for the embedded store, a new
    /// database's URL otherwise.
    public func newLocation(folder: URL) throws -> String {
        switch self {
        case .embedded:
            return folder.path
        case .postgres:
            return try PostgresStore.createDatabase(Self.databaseName(), on: Self.server())
        case .sharded:
            let name = Self.databaseName()
            let coordinator = try PostgresStore.createDatabase(name, on: Self.server())
            let shards = try Self.shardServers().map { try PostgresStore.createDatabase(name, on: $0) }
            try PostgresStore.initializeSharded(coordinator: coordinator, shards: shards)
            return coordinator
        }
    }

    /// A new, empty index of this kind (see `newLocation`).
    public func newIndex(folder: URL) throws -> Index {
        switch self {
        case .embedded: return Index.embedded(at: folder)
        case .postgres, .sharded: return try Index.postgres(url: newLocation(folder: folder))
        }
    }

    private static func databaseName() -> String { "mms_" + TestPaths.uniqueSuffix() }

    public static func server() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["MMSEARCH_TEST_POSTGRES"], !url.isEmpty else {
            throw SetupError("MMSEARCH_TEST_POSTGRES is not set: run the tests with Scripts/test.sh, which starts "
                             + "PostgreSQL servers (Scripts/lib/postgres.sh)")
        }
        return url
    }

    public static func shardServers() throws -> [String] {
        let urls = (ProcessInfo.processInfo.environment["MMSEARCH_TEST_POSTGRES_SHARDS"] ?? "")
            .split(separator: ",").map(String.init)
        guard !urls.isEmpty else {
            throw SetupError("MMSEARCH_TEST_POSTGRES_SHARDS is not set: run the tests with Scripts/test.sh, which "
                             + "starts a coordinator and shards (Scripts/lib/postgres.sh)")
        }
        return urls
    }
}

/// Databases for tests on the servers the tests were given.
public enum PostgresTestDatabases {
    /// Creates database `name` on the server `url` names and returns its URL.
    public static func create(_ name: String, on url: String) throws -> String {
        try PostgresStore.createDatabase(name, on: url)
    }
}

/// What a server says about its sessions.
public enum PostgresSessions {
    /// Sessions of the given `mmsearch` processes (by process id) still open on the server at
    /// `location`.
    public static func count(of processes: [Int32], at location: String) throws -> Int {
        try PostgresStore(url: location).sessions(of: processes)
    }
}

/// PostgreSQL servers of a test's own (Scripts/setup-postgres.sh start), for what a test does
/// to a server (stopping it); stopped and removed when the value goes.
public final class PrivateServers: @unchecked Sendable {
    public let folder: URL
    public private(set) var urls: [String] = []
    public private(set) var ports: [Int] = []

    public init(count: Int) throws {
        folder = URL(fileURLWithPath: "/tmp/mms-servers-" + TestPaths.uniqueSuffix())
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = chmod(folder.path, 0o755)
        for i in 0..<count {
            let run = try Self.script(["start", folder.appendingPathComponent("s\(i)").path])
            guard run.status == 0, let url = run.stdout.split(separator: "\n").last.map(String.init) else {
                throw SetupError("Scripts/setup-postgres.sh start failed: \(run.stderr)")
            }
            urls.append(url)
            ports.append(try PostgresLocation(url: url).port)
        }
    }

    /// Stops server `i` (fast shutdown: its sessions are cut).
    public func stop(_ i: Int) throws {
        let run = try Self.script(["stop", folder.appendingPathComponent("s\(i)").path])
        guard run.status == 0 else { throw SetupError("Scripts/setup-postgres.sh stop failed: \(run.stderr)") }
    }

    deinit {
        for i in urls.indices { _ = try? Self.script(["stop", folder.appendingPathComponent("s\(i)").path]) }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs the script with `posix_spawn` and its output in files. (Foundation's `Process`
    /// watches a child through a descriptor the child inherits; the script closes what it
    /// inherited before starting a server, which lives on, but a plain spawn and `waitpid` do
    /// not depend on that.)
    private static func script(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let path = TestPaths.repository.appendingPathComponent("Scripts/setup-postgres.sh").path
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("setup-postgres-\(TestPaths.uniqueSuffix())")
        let outPath = base.path + ".out", errPath = base.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw SetupError("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
