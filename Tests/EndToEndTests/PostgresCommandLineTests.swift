import Foundation
import MMBuiltins
import MMSearchKit
import MMTestSupport
import Testing

/// The command line on the PostgreSQL store with the real `lite` pack: the same commands give
/// the same answers as on the embedded store (one server and three shards alike), several
/// indexers share a store, killed ones leave it consistent, a stopped shard is named, and
/// `migrate` moves an index both ways.
@Suite(.serialized)
struct PostgresCommandLineTests {
    static let repository = TestPaths.repository

    /// Media/ and the notes indexed once per store, by the command line.
    static let indexes: Result<[TestStore: String], Error> = Result {
        let folder = try ScratchDirectory("pg-cli")
        var locations: [TestStore: String] = [:]
        for store in TestStore.allCases {
            let location = try store.newLocation(folder: folder.url.appendingPathComponent(store.rawValue))
            let run = try CommandLineTool.run(["index", "Media", "Tests/Fixtures/notes", "--store", location],
                                              currentDirectory: repository)
            guard run.status == 0 else { throw SetupError("index into \(store) failed: \(run.stderr)") }
            locations[store] = location
        }
        // Keep the embedded index's folder for the suite's lifetime.
        keep.withLock { $0.append(folder) }
        return locations
    }
    static let keep = Locked<[ScratchDirectory]>([])

    static func mmsearch(_ arguments: [String], store: TestStore) throws -> CommandLineTool.Output {
        try CommandLineTool.run(arguments + ["--store", indexes.get()[store]!], currentDirectory: repository)
    }

    static func results(_ output: CommandLineTool.Output) throws -> [(path: String, score: Float)] {
        try JSONDecoder().decode(QueryResultsDocument.self, from: Data(output.stdout.utf8)).results.map { ($0.path, $0.score) }
    }

    static let queries: [[String]] = [
        ["query", "a dog", "-t", "10"],
        ["query", "./Media/zebra.jpg", "-t", "10"],
        ["query", "an animal", "+", "2:stripes", "-", "./Media/horse.jpg", "-t", "5"],
        ["query", "./Media/zebra.jpg", "--modality", "text", "-t", "3"],
        ["query", "coffee", "--in", "Tests/Fixtures/notes", "-t", "5"],
        ["query", "diary", "--hybrid", "-t", "5"],
        ["query", "balloon trip", "--hybrid", "--all-chunks", "-t", "8"],
        ["query", "something red", "--min-score", "0.2", "-t", "50"],
    ]

    /// Every query gives the same files in the same order, with scores within 1e-5, on each
    /// store.
    @Test(arguments: TestStore.servers, queries)
    func queriesGiveWhatTheEmbeddedStoreGives(store: TestStore, query: [String]) throws {
        let expected = try Self.mmsearch(query + ["--json"], store: .embedded)
        let got = try Self.mmsearch(query + ["--json"], store: store)
        #expect(expected.status == 0 && got.status == 0, "\(expected.stderr) \(got.stderr)")
        let a = try Self.results(expected), b = try Self.results(got)
        #expect(!a.isEmpty)
        #expect(a.map(\.path) == b.map(\.path), "\(query)")
        for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) <= 1e-5, "\(query): \(x.path) \(x.score) vs \(y.score)") }
    }

    /// Labels, label filters, duplicates, statistics and evaluation agree with the embedded
    /// store's.
    @Test(arguments: TestStore.servers) func labelsDupesStatsAndEvalAgree(store: TestStore) throws {
        func both(_ arguments: [String]) throws -> (CommandLineTool.Output, CommandLineTool.Output) {
            (try Self.mmsearch(arguments, store: .embedded), try Self.mmsearch(arguments, store: store))
        }
        let (labelA, labelB) = try both(["label", "--all", "--labels", "an animal,a vehicle,food"])
        #expect(labelA.status == 0 && labelB.status == 0, "\(labelB.stderr)")
        #expect(labelA.stdout == labelB.stdout)
        let (vehiclesA, vehiclesB) = try both(["query", "something red", "--label", "a vehicle", "-t", "50", "--json"])
        #expect(try Self.results(vehiclesA).map(\.path) == Self.results(vehiclesB).map(\.path))
        #expect(try Self.results(vehiclesB).contains { $0.path.hasSuffix("fire-truck.jpg") })
        let (unknownA, unknownB) = try both(["query", "x", "--label", "unicorn"])
        #expect(unknownA.status == 2 && unknownB.status == 2 && unknownA.stderr == unknownB.stderr)
        let (cutA, cutB) = try both(["query", "a big cat", "--cutoff", "auto", "--modality", "image", "-t", "30", "--json"])
        #expect(try Self.results(cutA).map(\.path) == Self.results(cutB).map(\.path))
        #expect(try (1...29).contains(Self.results(cutB).count))
        for arguments in [["dupes", "--threshold", "0.8", "--json"], ["stats"],
                          ["eval", "--qrels", "Tests/Fixtures/lite/media-qrels.tsv", "--modality", "image"],
                          ["eval", "--qrels", "Tests/Fixtures/lite/media-qrels.tsv", "--modality", "image", "--cutoff", "auto"]] {
            let (a, b) = try both(arguments)
            #expect(a.status == 0 && b.status == 0, "\(arguments): \(b.stderr)")
            // Scores may differ in the last float digit; what is printed to 4 places does not.
            #expect(a.stdout == b.stdout, "\(arguments)\n\(a.stdout)\n---\n\(b.stdout)")
        }
        let check = try Self.mmsearch(["check"], store: store)
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
    }

    /// A text file that changes, one that moves and one that goes: the next run on a
    /// PostgreSQL store does what it does on the embedded store.
    @Test(arguments: TestStore.servers) func incrementalRunsFollowChangesMovesAndDeletions(store: TestStore) throws {
        let folder = try ScratchDirectory("pg-incremental")
        let tree = folder.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        for (name, text) in [("a.txt", "zebras at the water hole"), ("b.txt", "a cup of coffee in the morning"),
                             ("c.txt", "hot air balloons over the valley")] {
            try text.write(to: tree.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let location = try store.newLocation(folder: folder.url.appendingPathComponent("index"))
        func index() throws -> String {
            let run = try CommandLineTool.run(["index", tree.path, "--store", location])
            #expect(run.status == 0, "\(run.stderr)")
            return run.stderr
        }
        #expect(try index().contains("indexed 3"))
        #expect(try index().contains("indexed 0, unchanged 3"))
        try "tea and biscuits".write(to: tree.appendingPathComponent("b.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(at: tree.appendingPathComponent("c.txt"), to: tree.appendingPathComponent("d.txt"))
        try FileManager.default.removeItem(at: tree.appendingPathComponent("a.txt"))
        let summary = try index()
        #expect(summary.contains("indexed 1") && summary.contains("reused 1") && summary.contains("removed 1"), "\(summary)")
        let run = try CommandLineTool.run(["query", "balloons", "-f", "--store", location])
        #expect(run.stdout.split(separator: "\n").map(String.init) == [tree.appendingPathComponent("d.txt").path,
                                                                        tree.appendingPathComponent("b.txt").path])
    }

    /// Text files to index, enough that an index run takes a few seconds.
    static func writeTexts(_ count: Int, in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let words = ["river", "mountain", "coffee", "zebra", "balloon", "harbour", "violin", "lantern", "orchard",
                     "glacier", "market", "comet", "bakery", "tractor", "meadow", "lighthouse"]
        for i in 0..<count {
            let text = (0..<24).map { words[(i * 7 + $0 * ($0 + i % 5 + 1)) % words.count] }.joined(separator: " ")
            try "note \(i): \(text)".write(to: folder.appendingPathComponent("note\(i).txt"), atomically: true, encoding: .utf8)
        }
    }

    /// `kill -9` of an indexer writing to PostgreSQL, 10 times at random moments: the store
    /// stays consistent each time, and a last run finishes with every file, embedding only
    /// those no killed run committed.
    @Test func killedIndexersLeaveAConsistentStoreAndARerunCompletes() throws {
        let folder = try ScratchDirectory("pg-kill")
        let tree = folder.url.appendingPathComponent("tree")
        let n = 2000
        try Self.writeTexts(n, in: tree)
        let location = try TestStore.postgres.newLocation(folder: folder.url)
        let index = try BuiltinStores.index(named: location)
        var generator = SystemRandomNumberGenerator()
        var killed: [Int32] = []
        for attempt in 0..<10 {
            let process = Process()
            process.executableURL = try CommandLineTool.executable
            process.arguments = ["index", tree.path, "--store", location]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.5...4.0, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            killed.append(process.processIdentifier)
            process.waitUntilExit()
            // Killed before its first commit, a run leaves no index at all; after it, a sound one.
            let check = try CommandLineTool.run(["check", "--store", location])
            let none = check.status == 3 && check.stderr.contains("no index in")
            #expect(check.status == 0 || (none && !index.store.exists()),
                    "after kill \(attempt + 1): \(check.stdout) \(check.stderr)")
        }
        let committed = try index.spaces().first.map { try index.store.counts(of: $0).ok } ?? 0
        // The killed runs' connections are gone before the last run claims their files.
        try waitForKilledSessions(killed, location)
        let last = try CommandLineTool.run(["index", tree.path, "--store", location])
        #expect(last.status == 0, "\(last.stderr)")
        print("committed by the killed runs: \(committed) of \(n); last run: \(last.stderr)")
        #expect(last.stderr.contains("indexed \(n - committed),"), "\(last.stderr)")
        let space = try #require(index.spaces().first)
        #expect(try index.store.counts(of: space).ok == n)
        #expect(try index.check().isSound)
        let again = try CommandLineTool.run(["index", tree.path, "--store", location])
        #expect(again.stderr.contains("indexed 0, unchanged \(n)"), "\(again.stderr)")
    }

    /// Waits until the server has no session of the killed processes left.
    func waitForKilledSessions(_ processes: [Int32], _ location: String) throws {
        for _ in 0..<50 {
            if try PostgresSessions.count(of: processes, at: location) == 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Two `mmsearch index` on the same tree at once: every file is embedded exactly once.
    @Test(arguments: TestStore.servers) func twoIndexersAtOnceEmbedEveryFileOnce(store: TestStore) throws {
        let folder = try ScratchDirectory("pg-two")
        let tree = folder.url.appendingPathComponent("tree")
        let n = 300
        try Self.writeTexts(n, in: tree)
        let location = try store.newLocation(folder: folder.url.appendingPathComponent("index"))
        let outputs = Locked<[CommandLineTool.Output]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            if let run = try? CommandLineTool.run(["index", tree.path, "--store", location, "--threads", "1"]) {
                outputs.withLock { $0.append(run) }
            }
        }
        let runs = outputs.withLock { $0 }
        #expect(runs.count == 2 && runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
        let indexed = runs.compactMap { run in
            run.stderr.split(separator: "\n").last.flatMap { line in
                line.components(separatedBy: "indexed ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
            }
        }
        print(runs.map { $0.stderr.split(separator: "\n").last ?? "" })
        #expect(indexed.count == 2 && indexed.reduce(0, +) == n, "\(runs.map(\.stderr))")
        let index = try BuiltinStores.index(named: location)
        #expect(try index.store.counts(of: #require(index.spaces().first)).ok == n)
    }

    /// Media/ indexed into a coordinator (on the test server) sharded over two private servers
    /// that a test may stop.
    struct ShardedMedia {
        let servers: PrivateServers
        let folder: ScratchDirectory
        let coordinator: String
        let shards: [String]

        init(_ label: String) throws {
            servers = try PrivateServers(count: 2)
            folder = try ScratchDirectory(label)
            let name = "mms_" + TestPaths.uniqueSuffix()
            coordinator = try TestStore.postgres.newLocation(folder: folder.url)
            shards = try servers.urls.map { try PostgresTestDatabases.create(name, on: $0) }
            let initialized = try CommandLineTool.run(["store", "init", "--store", coordinator,
                                                       "--shards", shards.joined(separator: ",")])
            #expect(initialized.status == 0, "\(initialized.stderr)")
            let run = try CommandLineTool.run(["index", "Media", "--store", coordinator], currentDirectory: TestPaths.repository)
            #expect(run.status == 0, "\(run.stderr)")
        }
    }

    /// A shard that stops: a query fails with an error naming that shard, never a shorter
    /// answer from the others.
    @Test func aStoppedShardIsNamedNotSilentlySkipped() throws {
        let sharded = try ShardedMedia("pg-shard-down")
        let (servers, coordinator) = (sharded.servers, sharded.coordinator)
        let before = try CommandLineTool.run(["query", "a dog", "-t", "34", "-f", "--store", coordinator])
        #expect(before.status == 0 && before.stdout.split(separator: "\n").count == 34, "\(before.stderr)")
        try servers.stop(1)
        let after = try CommandLineTool.run(["query", "a dog", "-t", "34", "-f", "--store", coordinator])
        #expect(after.status == 3, "\(after.status) \(after.stdout)")
        #expect(after.stdout.isEmpty)
        #expect(after.stderr.contains("shard 2") && after.stderr.contains(":\(servers.ports[1])/")
                && after.stderr.contains("connection refused"), "\(after.stderr)")
        print(after.stderr)
        withExtendedLifetime(sharded) {}
    }

    /// A shard that stops while a query waits on it: the query fails naming that shard, never
    /// answers from the others. The shard's vector table is locked by another session, so the
    /// coordinator's scan of it waits (the other shards have answered) until the shard stops.
    @Test func aShardStoppingMidQueryIsNamedNotSilentlySkipped() throws {
        let sharded = try ShardedMedia("pg-shard-mid-query")
        let (servers, coordinator, shards) = (sharded.servers, sharded.coordinator, sharded.shards)

        func psql(_ url: String, _ commands: [String]) -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["psql", "-X", "-q", "-At", url] + commands.flatMap { ["-c", $0] }
            process.standardInput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        func value(_ url: String, _ sql: String) throws -> String {
            let process = psql(url, [sql])
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let table = try value(shards[1], "SELECT tablename FROM pg_tables WHERE schemaname = 'mmsearch' AND tablename LIKE 'vectors\\_%'")
        #expect(table.hasPrefix("vectors_"))
        let locker = psql(shards[1], ["BEGIN", "LOCK TABLE mmsearch.\(table) IN ACCESS EXCLUSIVE MODE", "SELECT pg_sleep(120)"])
        locker.standardOutput = FileHandle.nullDevice
        try locker.run()
        defer { if locker.isRunning { locker.terminate() } }

        let answered = DispatchSemaphore(value: 0)
        let result = Locked<CommandLineTool.Output?>(nil)
        DispatchQueue.global().async {
            let run = try? CommandLineTool.run(["query", "a dog", "-t", "34", "-f", "--store", coordinator])
            result.withLock { $0 = run }
            answered.signal()
        }
        // Until the query's scan of shard 2 waits for the lock.
        var waiting = false
        for _ in 0..<300 where !waiting {
            waiting = (try? value(shards[1], "SELECT count(*) FROM pg_locks WHERE NOT granted")) ?? "0" != "0"
            if !waiting { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(waiting, "the query never reached shard 2")
        #expect(answered.wait(timeout: .now()) == .timedOut, "the query answered without shard 2")
        try servers.stop(1)
        #expect(answered.wait(timeout: .now() + 60) == .success)
        let after = try #require(result.withLock { $0 })
        #expect(after.status == 3, "\(after.status) \(after.stdout)")
        #expect(after.stdout.isEmpty)
        #expect(after.stderr.contains("shard 2") && after.stderr.contains(":\(servers.ports[1])/"), "\(after.stderr)")
        print(after.stderr)
        withExtendedLifetime(sharded) {}
    }

    /// `migrate` copies an index into PostgreSQL and back without embedding: the copies answer
    /// as the original does.
    @Test(arguments: TestStore.servers) func migrateCopiesAnIndexBothWays(store: TestStore) throws {
        let folder = try ScratchDirectory("pg-migrate")
        let source = try Self.indexes.get()[.embedded]!
        let server = try store.newLocation(folder: folder.url.appendingPathComponent("unused"))
        let back = folder.url.appendingPathComponent("back").path
        let original = try BuiltinStores.index(named: source)
        let files = try original.store.counts(of: #require(original.spaces().first)).ok
        let there = try CommandLineTool.run(["migrate", "--from", source, "--to", server])
        #expect(there.status == 0 && there.stderr.contains("copied \(files) files"), "\(there.stderr)")
        let again = try CommandLineTool.run(["migrate", "--from", source, "--to", server])
        #expect(again.status == 2 && again.stderr.contains("already holds an index"), "\(again.stderr)")
        let home = try CommandLineTool.run(["migrate", "--from", server, "--to", back])
        #expect(home.status == 0, "\(home.stderr)")
        for query in Self.queries {
            let original = try CommandLineTool.run(query + ["--json", "--index", source], currentDirectory: Self.repository)
            let copy = try CommandLineTool.run(query + ["--json", "--store", server], currentDirectory: Self.repository)
            let returned = try CommandLineTool.run(query + ["--json", "--index", back], currentDirectory: Self.repository)
            let a = try Self.results(original), b = try Self.results(copy), c = try Self.results(returned)
            #expect(a.map(\.path) == b.map(\.path) && a.map(\.path) == c.map(\.path), "\(query)")
            // Back in a folder, the very same numbers.
            #expect(a.map(\.score) == c.map(\.score), "\(query)")
            for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) <= 1e-5) }
        }
    }

    /// `compact` on PostgreSQL: rewrites the vector tables, converts f32 ↔ f16 (halfvec), and
    /// queries still agree (f16 within its precision).
    @Test func compactConvertsToHalfPrecisionAndBack() throws {
        let folder = try ScratchDirectory("pg-compact")
        let location = try TestStore.postgres.newLocation(folder: folder.url)
        #expect(try CommandLineTool.run(["index", "Media", "--store", location], currentDirectory: Self.repository).status == 0)
        let f32 = try Self.results(CommandLineTool.run(["query", "a dog", "--json", "--store", location]))
        let toF16 = try CommandLineTool.run(["compact", "--storage", "f16", "--store", location])
        #expect(toF16.status == 0 && toF16.stderr.contains("f32 → f16"), "\(toF16.stderr)")
        let f16 = try Self.results(CommandLineTool.run(["query", "a dog", "--json", "--store", location]))
        #expect(f16.first?.path == f32.first?.path)
        for (x, y) in zip(f32, f16) where x.path == y.path { #expect(abs(x.score - y.score) <= 1e-3) }
        let stats = try CommandLineTool.run(["stats", "--store", location])
        #expect(stats.stdout.contains("f16 vectors"), "\(stats.stdout)")
        #expect(try CommandLineTool.run(["compact", "--storage", "f32", "--store", location]).status == 0)
        #expect(try CommandLineTool.run(["check", "--store", location]).status == 0)
    }

    @Test func aBadStoreURLOrAnUnreachableServerIsAClearError() throws {
        let bad = try CommandLineTool.run(["query", "x", "--store", "postgres://nobody@/"])
        #expect(bad.status == 2 && bad.stderr.contains("is not a PostgreSQL URL"), "\(bad.stderr)")
        let both = try CommandLineTool.run(["stats", "--store", "postgres://a@b/c", "--index", "/tmp/x"])
        #expect(both.status == 2 && both.stderr.contains("not both"), "\(both.stderr)")
        let down = try CommandLineTool.run(["stats", "--store", "postgres://postgres@127.0.0.1:1/none"])
        #expect(down.status == 3 && down.stderr.contains("127.0.0.1:1") && !down.stderr.contains("Fatal error"), "\(down.stderr)")
    }
}
