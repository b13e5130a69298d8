import Foundation
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
