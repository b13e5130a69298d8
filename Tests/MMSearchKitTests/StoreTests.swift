import Foundation
import GRDB
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit
#if canImport(Glibc)
import Glibc
#endif

@Suite struct StoreTests {
    @Test func aCrashBetweenVectorAppendAndCatalogCommitExposesNothing() throws {
        let f = try Fixture()
        let a = try f.photo("a.jpg", "a")
        let b = try f.photo("b.jpg", "b")
        _ = try f.index()

        // Simulate a crash after the append and before the catalog commit: rows that nobody
        // references, then half a row torn by the crash.
        let store = try StoreInternals(f.indexDirectory)
        let space = try #require(try store.space(matching: f.pack.space))
        do {
            let writer = try store.vectorFiles(for: space)
            let orphan = hashVector(Array("orphan".utf8), dimension: 24)
            #expect(try writer.append([orphan, orphan, orphan], tags: [1, 1, 1]) == 2..<5)
        }
        let segment = try store.store.vectorURL(named: space.vectorFile)
        let handle = try FileHandle(forWritingTo: segment)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x7f, count: 24 * 4 / 2))
        try handle.close()

        // Nothing of it is visible.
        let reader = try f.engine.reader()
        #expect(try reader.count() == 2)
        #expect(try f.indexedPaths() == [a, b])
        #expect(try f.search(content: "orphan").allSatisfy { $0.score < 0.99 })

        // The next run cuts the torn row and appends after the orphans.
        let c = try f.photo("c.jpg", "c")
        let (summary, _) = try f.index()
        #expect(summary.indexed == 1 && summary.unchanged == 2)
        let record = try #require(try store.catalog.file(path: c, space: space.id))
        #expect(record.vectorRow == 5)
        #expect(try f.search(content: "c").first?.path == c)
        #expect(abs(try #require(try f.search(content: "c").first).score - 1) < 1e-5)
    }

    @Test func aVectorFileReopensWithoutReadingAllRows() throws {
        let temp = try TemporaryDirectory()
        let url = temp.sub("big.f32")
        let dimension = 384
        let rows = 4_000_000  // 6 GiB of rows, as a sparse file: reading it all would take long
        do {
            let writer = try VectorFileWriter(url: url, dimension: dimension, elementType: .f32,
                                                 fingerprint: "big")
            _ = try writer.append([hashVector([1], dimension: dimension)])
        }
        let size = VectorFileHeader.size + rows * dimension * 4
        #expect(truncate(url.path, off_t(size)) == 0)
        let segment = try MappedVectorFile(url: url)
        #expect(segment.rowCount == rows)
        #expect(segment.dimension == dimension)
        #expect(segment.vector(at: 0) == hashVector([1], dimension: dimension))
        #expect(segment.vector(at: rows - 1) == [Float](repeating: 0, count: dimension))
        #expect(segment.vector(at: rows) == nil)
        // Only the pages around the header and the rows read are in memory, of 1.5 M. How
        // many around depends on the kernel's read-ahead for the disk (up to 8 MiB = 2 048
        // pages per fault on virtual disks), so the bound is 1 % of the file, not a count.
        let opened = try #require(residentPages(of: url))
        #expect(opened.total > 1_000_000 && opened.resident * 100 < opened.total,
                "\(opened.resident) of \(opened.total) pages resident")
        // The count is real: reading a row in the middle brings its page in.
        #expect(segment.vector(at: rows / 2) == [Float](repeating: 0, count: dimension))
        let after = try #require(residentPages(of: url))
        #expect(after.resident > opened.resident)
    }

    @Test func vectorFileRowsRoundTripAndATornLastRowIsCutOnReopen() throws {
        let temp = try TemporaryDirectory()
        let url = temp.sub("s.f32")
        let v = (0..<3).map { hashVector([UInt8($0)], dimension: 5) }
        do {
            let writer = try VectorFileWriter(url: url, dimension: 5, elementType: .f32, fingerprint: "fp")
            #expect(try writer.append([v[0], v[1]]) == 0..<2)
        }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()
        #expect(try MappedVectorFile(url: url).rowCount == 2)
        let writer = try VectorFileWriter(url: url, dimension: 5, elementType: .f32, fingerprint: "fp")
        #expect(writer.rowCount == 2)
        #expect(try writer.append([v[2]]) == 2..<3)
        let segment = try MappedVectorFile(url: url)
        #expect((0..<3).map { segment.vector(at: $0) } == v)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        #expect(size == 64 + 3 * 5 * 4)
    }

    @Test func damagedOrForeignVectorFilesAreErrorsThatNameTheFile() throws {
        let temp = try TemporaryDirectory()
        func open(_ bytes: [UInt8]) -> String {
            let url = temp.sub("seg-\(bytes.count).f32")
            _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
            do {
                _ = try MappedVectorFile(url: url)
                return "opened"
            } catch {
                let message = String(describing: error)
                #expect(message.contains(url.path))
                return message
            }
        }
        var header = VectorFileHeader(elementType: .f32, dimension: 4, fingerprint: "x").encoded()
        #expect(open([]).contains("shorter than the 64-byte header"))
        #expect(open(Array("this is a text file, not vectors at all; it is long enough".utf8) + [UInt8](repeating: 32, count: 20))
            .contains("bad magic"))
        header[8] = 9
        #expect(open(header).contains("format version 9 is newer"))
        header[8] = 1
        header[12] = 77
        #expect(open(header).contains("unknown element type"))
        header[12] = 1
        header[24] = 3
        #expect(open(header).contains("row stride"))
        #expect(throws: MMSearchError.self) {
            _ = try MappedVectorFile(url: temp.sub("missing.f32"))
        }
    }

    @Test func aVectorFileOfAnotherSpaceIsNotAppendedTo() throws {
        let temp = try TemporaryDirectory()
        let url = temp.sub("s.f32")
        _ = try VectorFileWriter(url: url, dimension: 8, elementType: .f32, fingerprint: "one")
        #expect {
            _ = try VectorFileWriter(url: url, dimension: 8, elementType: .f32, fingerprint: "two")
        } throws: { String(describing: $0).contains("expected 8-d f32 of two") }
        #expect(throws: MMSearchError.self) {
            _ = try VectorFileWriter(url: url, dimension: 16, elementType: .f32, fingerprint: "one")
        }
    }

    @Test func theCatalogIsWALWithNamedMigrationsAndASchemaVersion() throws {
        let temp = try TemporaryDirectory()
        let catalog = try Catalog(url: temp.sub("c.sqlite"), readOnly: false)
        #expect(try catalog.schemaVersion() == CatalogSchema.version)
        let (mode, migrations) = try catalog.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try CatalogSchema.migrator.appliedMigrations(db))
        }
        #expect(mode == "wal")
        #expect(migrations == ["v1: spaces, files, meta", CatalogSchema.partsMigration,
                               "store-1: content hashes, row ranges, tombstones, chunks",
                               "passages-1: chunk time ranges, file notes",
                               CatalogSchema.labelsMigration, CatalogSchema.keywordsMigration, CatalogSchema.photosMigration,
                               CatalogSchema.imageTextMigration])
        #expect(migrations == CatalogSchema.migrator.migrations)
    }

    @Test func aCatalogFromANewerMmsearchIsRefused() throws {
        let temp = try TemporaryDirectory()
        let url = temp.sub("c.sqlite")
        do {
            let catalog = try Catalog(url: url, readOnly: false)
            try catalog.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
            }
        }
        #expect {
            _ = try Catalog(url: url, readOnly: true)
        } throws: { error in
            let message = String(describing: error)
            return message.contains(url.path) && message.contains("newer mmsearch")
        }
    }

    @Test func aFileThatIsNotACatalogIsAnErrorNamingIt() throws {
        let temp = try TemporaryDirectory()
        let dir = temp.sub("index")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("not a database, just text".utf8).write(to: dir.appendingPathComponent("catalog.sqlite"))
        #expect {
            _ = try EmbeddedStore(directory: dir).spaces()
        } throws: { error in
            let e = error as? MMSearchError
            return e?.kind == .fatal && e?.message.contains(dir.path + "/catalog.sqlite") == true
        }
    }

    @Test func aSecondWriterIsRefusedWhileTheFirstHoldsTheIndex() throws {
        let temp = try TemporaryDirectory()
        let directory = temp.sub("index")
        _ = try StoreInternals(directory)
        do {
            let lock = try IndexLock(directory: directory)
            #expect {
                _ = try IndexLock(directory: directory)
            } throws: { String(describing: $0).contains("being written by another mmsearch process") }
            withExtendedLifetime(lock) {}
        }
        _ = try IndexLock(directory: directory)
    }

    @Test func filesWhoseVectorsWereLostAreEmbeddedAgain() throws {
        let f = try Fixture()
        let a = try f.photo("a.jpg", "a")
        try f.photo("b.jpg", "b")
        _ = try f.index()
        try FileManager.default.removeItem(at: f.indexDirectory.appendingPathComponent("vectors"))
        try FileManager.default.createDirectory(at: f.indexDirectory.appendingPathComponent("vectors"),
                                                withIntermediateDirectories: true)
        #expect(throws: MMSearchError.self) { _ = try f.engine.reader() }
        let (summary, _) = try f.index()
        #expect(summary.indexed == 2 && summary.unchanged == 0)
        #expect(try f.search(content: "a").first?.path == a)
    }

    @Test func readersSeeNewCommitsWithoutReopening() throws {
        let f = try Fixture()
        try f.photo("a.jpg", "a")
        _ = try f.index()
        let reader = try f.engine.reader()
        #expect(try reader.count() == 1)
        let b = try f.photo("b.jpg", "b")
        _ = try f.index()
        let hits = try reader.search(hashVector(Array("b".utf8), dimension: 24), limit: 1)
        #expect(hits.first?.path == b)
    }
}

@Suite struct Int8TwinTests {
    @Test func aMissingShortOrDamagedTwinIsRebuiltFromTheMasterRows() throws {
        let f = try Fixture()
        for i in 0..<6 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let twin = f.indexDirectory.path + "/vectors/test-24-f00d.f32.i8"
        let intact = try Data(contentsOf: URL(fileURLWithPath: twin))
        func rebuilt() throws -> Data {
            try f.photo("extra.jpg", "extra \(UUID())", mtime: Date().addingTimeInterval(Double.random(in: 1...1000)))
            _ = try f.index()
            return try Data(contentsOf: URL(fileURLWithPath: twin)).prefix(intact.count)
        }
        // Queries still work without a twin (exact scan), and the next run rebuilds it.
        try FileManager.default.removeItem(atPath: twin)
        #expect(try f.search(content: "photo 3").first?.path == f.photos.path + "/p3.jpg")
        #expect(try rebuilt() == intact)
        // Cut short by a crash.
        try FileHandle(forWritingTo: URL(fileURLWithPath: twin)).truncate(atOffset: 64 + 28 * 2 + 5)
        #expect(try rebuilt() == intact)
        // Garbage.
        try Data("not an int8 twin at all, but long enough to hold a header......".utf8)
            .write(to: URL(fileURLWithPath: twin))
        #expect(try rebuilt() == intact)
        #expect(try f.search(content: "photo 5").first?.path == f.photos.path + "/p5.jpg")
    }
}

/// How many of the file's pages are in the page cache (`mincore` over a fresh mapping).
private func residentPages(of url: URL) -> (resident: Int, total: Int)? {
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
    let length = Int(info.st_size)
    guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else { return nil }
    defer { munmap(base, length) }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    var flags = [UInt8](repeating: 0, count: (length + page - 1) / page)
    guard mincore(base, length, &flags) == 0 else { return nil }
    return (flags.reduce(0) { $0 + Int($1 & 1) }, flags.count)
}
