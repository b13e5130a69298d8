import Foundation
import Testing
import MMTestSupport
@testable import MMPostgresStore
import PostgresNIO
@testable import MMSearchKit

/// What only the PostgreSQL store does: several writers at once, search on the shards, its
/// own integrity checks. (What every store does is tested on each, see `TestStore`.)
@Suite struct PostgresStoreTests {
    /// Two indexers on the same tree at once, as on two machines: each file is embedded by one
    /// of them, and the index holds each file once.
    @Test(arguments: TestStore.servers) func twoIndexersOnOneTreeEmbedEachFileOnce(store: TestStore) throws {
        let counter = CallCounter()
        let f = try Fixture(counter: counter, store: store)
        let n = 240
        for i in 0..<n { try f.photo("p\(i).jpg", "photo number \(i)") }
        let engines = [f.engine, Engine(pack: f.pack, index: f.index)]
        let photos = f.photos
        let summaries = Locked<[IndexSummary]>([])
        let failures = Locked<[Error]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            do {
                let summary = try engines[i].index(roots: [photos], options: IndexOptions(threads: 1))
                summaries.withLock { $0.append(summary) }
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(f.imageEmbeds == n, "embedded \(f.imageEmbeds) times for \(n) files")
        let runs = summaries.withLock { $0 }
        #expect(runs.map(\.indexed).reduce(0, +) == n)
        #expect(try f.indexedPaths().count == n)
        #expect(try f.index.store.counts(of: try #require(f.index.spaces().first)).ok == n)
        #expect(try f.index.check().isSound)
    }

    /// A writer's claims die with it: files claimed by a writer that went away are embedded
    /// by the next run.
    @Test func aGoneWritersClaimsDoNotHoldFilesBack() throws {
        let f = try Fixture(store: .postgres)
        for i in 0..<5 { try f.photo("p\(i).jpg", "photo \(i)") }
        do {
            let writer = try f.index.store.writer(for: f.pack.space, storage: .f32)
            let scanned = try (0..<5).map { i in
                let path = f.photos.appendingPathComponent("p\(i).jpg").path
                let info = try FileInfo.of(path).get()
                return ScannedFile(path: path, size: info.size, mtimeNs: info.mtimeNs)
            }
            _ = try writer.files(under: [f.photos.path])
            #expect(try writer.claim(scanned).count == 5)
            // Another writer meanwhile gets none of them.
            let other = try f.index.store.writer(for: f.pack.space, storage: .f32)
            _ = try other.files(under: [f.photos.path])
            #expect(try other.claim(scanned).isEmpty)
        }
        let (summary, _) = try f.index()
        #expect(summary.indexed == 5 && summary.elsewhere == 0)
    }

    /// The shards order their own rows by distance and send back only their best: the
    /// coordinator's plan has one foreign scan per shard whose remote query carries the
    /// ordering and the LIMIT, for exact and approximate search alike.
    @Test func eachShardSortsItsOwnRowsAndSendsOnlyItsBest() throws {
        let f = try Fixture(store: .sharded)
        for i in 0..<60 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let store = try #require(f.index.store as? PostgresStore)
        let space = try #require(f.index.spaces().first)
        let shards = try TestStore.shardServers().count
        let query = hashVector(Array("photo 7".utf8), dimension: space.dimension)
        for approximate in [false, true] {
            let plan = try store.explainSearch(space, vector: query, k: 5, approximate: approximate, analyze: true)
            let text = plan.joined(separator: "\n")
            let remote = plan.filter { $0.contains("Remote SQL:") }
            #expect(remote.count == shards, "\(text)")
            for line in remote {
                #expect(line.contains("ORDER BY") && line.contains("<#>") && line.contains("LIMIT"), "\(line)")
            }
            #expect(plan.filter { $0.contains("Async Foreign Scan") }.count == shards, "\(text)")
            // Each shard sent at most 5 rows.
            for line in plan where line.contains("Foreign Scan") {
                let rows = line.components(separatedBy: "rows=").last.flatMap { Int($0.prefix { $0.isNumber }) }
                #expect((rows ?? 99) <= 5, "\(line)")
            }
        }
        // And the answer is the exact one.
        let hits = try f.search(content: "photo 7", limit: 3)
        #expect(hits.first?.path.hasSuffix("/p7.jpg") == true && abs((hits.first?.score ?? 0) - 1) < 1e-5)
    }

    /// Approximate search (HNSW, used automatically on large spaces) finds what exact search
    /// finds on a small, well-separated set, on one server and on shards.
    @Test(arguments: TestStore.servers) func theGraphIsBuiltWhenASpaceIsLargeAndSearchedThrough(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<80 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let server = try #require(f.index.store as? PostgresStore)
        let small = PostgresStore(server.server, exactBelow: 50)
        // The graph is built by the first writer that finds the space large enough.
        try small.writer(for: f.pack.space, storage: .f32).finish()
        let index = Index(store: small)
        let reader = try index.reader(for: f.pack.space)
        for i in [3, 41, 77] {
            let vector = hashVector(Array("photo \(i)".utf8), dimension: f.pack.space.dimension)
            let approximate = try reader.search(vector, limit: 5)
            let exact = try reader.search(vector, limit: 5, options: SearchOptions(method: .exact))
            #expect(approximate.first?.path.hasSuffix("/p\(i).jpg") == true)
            #expect(approximate.map(\.path) == exact.map(\.path))
        }
        let space = try #require(index.spaces().first)
        let plan = try small.explainSearch(space, vector: hashVector(Array("x".utf8), dimension: space.dimension),
                                           k: 5, approximate: true).joined(separator: "\n")
        if store == .postgres { #expect(plan.contains("_hnsw"), "\(plan)") }
    }

    /// `check` finds rows that disagree with the catalog and `repair` fixes them: a file whose
    /// rows went missing is marked failed and embedded by the next run.
    @Test func checkAndRepairFindAndFixRowsThatDisagreeWithTheCatalog() throws {
        let f = try Fixture(store: .postgres)
        for i in 0..<4 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        #expect(try f.index.check().isSound)
        let store = try #require(f.index.store as? PostgresStore)
        let space = try #require(f.index.spaces().first)
        _ = try store.pool.withSession { session in
            try session.run(PostgresQuery(unsafeSQL: """
                DELETE FROM mmsearch.\(space.vectorFile) WHERE file_id = (SELECT id FROM mmsearch.file WHERE path LIKE '%/p2.jpg')
                """))
        }
        let report = try f.index.check()
        #expect(report.problems.map(\.kind).contains(.rows))
        #expect(report.filesToEmbedAgain.contains { $0.hasSuffix("/p2.jpg") })
        let repaired = try f.index.repair()
        #expect(repaired.isSound && repaired.embedAgain.count == 1)
        let (summary, _) = try f.index()
        #expect(summary.indexed == 1)
        #expect(try f.indexedPaths().count == 4)
    }
    /// An index written before the settings table (migration pg-2) keeps answering queries:
    /// readers need pg-1 only; the next writer migrates it and records its precision.
    @Test func anIndexFromBeforeSettingsIsReadAndTheNextWriterMigratesIt() throws {
        let f = try Fixture(store: .postgres)
        for i in 0..<3 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let store = try #require(f.index.store as? PostgresStore)
        #expect(try store.setting(.precision(of: f.pack.name)) == InferencePrecision.f32.rawValue)
        // Back to how an older mmsearch left it.
        _ = try store.pool.withSession { session in
            try session.run("DROP TABLE mmsearch.setting")
            try session.run("DELETE FROM mmsearch.migration WHERE name = 'pg-2: index-wide settings'")
        }
        let older = Index(store: PostgresStore(store.server))
        #expect(older.store.exists())
        #expect(try older.store.setting(.precision(of: f.pack.name)) == nil)
        #expect(older.precision() == nil)
        let hits = try Engine(pack: f.engine.pack, index: older).search(.text("photo 1"), limit: 1)
        #expect(hits.first?.path.hasSuffix("/p1.jpg") == true)
        // A writer migrates it.
        _ = try Engine(pack: f.engine.pack, index: older).index(roots: [f.photos])
        #expect(older.precision() == .f32)
    }

    /// An index from before photo details (migration pg-3) answers every search, date filters
    /// and sorting by modification time; the next writer migrates it and reads the photos'
    /// EXIF without embedding them again.
    @Test func anIndexFromBeforePhotoDetailsIsReadAndTheNextWriterReadsTheirEXIF() throws {
        let f = try Fixture(store: .postgres)
        let paris = f.photos.appendingPathComponent("paris.jpg").path
        try FileManager.default.copyItem(atPath: TestPaths.fixture("photos/exif-paris-offset.jpg").path, toPath: paris)
        try f.photo("p1.jpg", "photo 1")
        _ = try f.index()
        let store = try #require(f.index.store as? PostgresStore)
        _ = try store.pool.withSession { session in
            try session.run("DROP TABLE mmsearch.photo")
            try session.run("DELETE FROM mmsearch.migration WHERE name = 'pg-3: photo details'")
        }
        let older = Index(store: PostgresStore(store.server))
        let engine = Engine(pack: f.engine.pack, index: older)
        let vector = hashVector(Array("x".utf8), dimension: 24)
        let all = try engine.reader().search(vector, limit: 10, options: SearchOptions(order: .newestFirst))
        #expect(all.count == 2 && all.allSatisfy { $0.date?.source == .modified && $0.photo == nil })
        #expect(try engine.reader().search(vector, limit: 10, options: SearchOptions(dates: try DateWindow(after: "2000", before: nil))).count == 2)
        #expect(try engine.reader().search(vector, limit: 10, options: SearchOptions(camera: "canon")).isEmpty)
        #expect(try #require(try older.report().first).counts.dates.modified == 2)

        let embedded = f.imageEmbeds
        let summary = try engine.index(roots: [f.photos])
        #expect(summary.unchanged == 2 && f.imageEmbeds == embedded)
        let canon = try engine.reader().search(vector, limit: 10, options: SearchOptions(camera: "canon"))
        #expect(canon.map(\.path) == [paris])
        #expect(canon.first?.date?.iso8601 == "2024-06-15T14:30:05+02:00")
    }
    /// An index from before the regions of text read in images (migration pg-4) answers
    /// searches (a text file's chunks included) and file details; the next writer adds the
    /// columns.
    @Test func anIndexFromBeforeImageTextRegionsIsRead() throws {
        let f = try Fixture(store: .postgres)
        try f.photo("p1.jpg", "photo 1")
        try f.photo("notes.txt", "harbour lights and ships")
        _ = try f.index()
        let store = try #require(f.index.store as? PostgresStore)
        _ = try store.pool.withSession { session in
            try session.run("""
                ALTER TABLE mmsearch.chunk DROP COLUMN region_x, DROP COLUMN region_y,
                    DROP COLUMN region_width, DROP COLUMN region_height
                """)
            try session.run("DELETE FROM mmsearch.migration WHERE name = 'pg-4: regions of text read in images'")
        }
        let older = Index(store: PostgresStore(store.server))
        let engine = Engine(pack: f.engine.pack, index: older)
        var options = SearchOptions()
        options.hybrid = true
        let hits = try engine.search(vector: hashVector(Array("photo 1".utf8), dimension: 24), texts: ["harbour"],
                                     limit: 10, options: options, in: try engine.reader())
        #expect(hits.count == 2)
        let note = try #require(hits.first { $0.path.hasSuffix("/notes.txt") })
        #expect(note.part?.text == "harbour lights and ships" && note.part?.region == nil)
        #expect(try engine.reader().file(id: note.fileID)?.parts.count == 1)

        _ = try engine.index(roots: [f.photos])
        let migrated = try engine.reader().search(hashVector(Array("photo 1".utf8), dimension: 24), limit: 10)
        #expect(migrated.count == 2 && migrated.first?.path.hasSuffix("/p1.jpg") == true)
    }
}
