import Foundation
import GRDB
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit
@testable import mmsearch

/// A small index to damage: photos and a text file embedded by the hash pack, with the search
/// results of the clean index to compare with after repairing.
private final class DamagedIndex {
    let f: Fixture
    static let contents = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    /// Per query: (file name, score), best first.
    private(set) var clean: [[Hit]] = []

    struct Hit: Equatable, CustomStringConvertible {
        let name: String
        let score: Float
        var description: String { "\(name) \(score)" }
    }

    init(storage: VectorStorage = .f32) throws {
        f = try Fixture()
        for content in Self.contents { try f.photo("\(content).jpg", content) }
        try f.photo("notes.txt", "a note about the alpha bravo photos")
        _ = try f.index(options: IndexOptions(threads: 2, storage: storage))
        clean = try results()
        #expect(try index.check().isSound, "a fresh index is sound")
    }

    var directory: URL { f.indexDirectory }
    /// A fresh view of the index (nothing cached from before the damage).
    var index: Index { Index.embedded(at: directory) }
    var engine: Engine { Engine(pack: f.pack, index: index) }

    func path(_ content: String) -> String { f.photos.appendingPathComponent("\(content).jpg").path }

    /// The results of a query for every content, as a fresh reader finds them.
    func results(options: SearchOptions = SearchOptions()) throws -> [[Hit]] {
        let reader = try engine.reader()
        return try (Self.contents + ["a note about the alpha bravo photos"]).map { content in
            try reader.search(hashVector(Array(content.utf8), dimension: f.pack.space.dimension), limit: 100,
                              options: options).map { Hit(name: ($0.path as NSString).lastPathComponent, score: $0.score) }
        }
    }

    /// The clean results without the files named.
    func clean(without names: Set<String>) -> [[Hit]] {
        clean.map { $0.filter { !names.contains($0.name) } }
    }

    // MARK: Damage

    var internals: StoreInternals { get throws { try StoreInternals(directory) } }
    var space: SpaceRecord { get throws { try internals.catalog.spaces()[0] } }
    var masterURL: URL { get throws { try internals.store.vectorURL(named: space.vectorFile) } }

    /// The first row of the file with `content`.
    func row(of content: String) throws -> Int {
        let catalog = try internals.catalog
        let record = try #require(try catalog.file(path: path(content), space: space.id))
        return Int(try #require(record.vectorRow))
    }

    func overwrite(_ url: URL, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    /// Writes `values` over row `row` of the master vector file (f32).
    func overwriteRow(_ row: Int, with values: [Float]) throws {
        let stride = f.pack.space.dimension * 4
        try overwrite(masterURL, at: VectorFileHeader.size + row * stride,
                      with: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }

    func execute(_ sql: String) throws {
        try internals.catalog.write { db in try db.execute(sql: sql) }
    }

    /// Repairs, expecting the index sound afterwards, and returns the report.
    func repair() throws -> RepairReport {
        let report = try index.repair()
        #expect(report.isSound, "after repairing: \(report.remaining.problems.map(\.message))")
        #expect(try index.check().isSound)
        return report
    }
}

/// Issue 9, part 4: every class of damage the hostile campaign found is detected by `check` and
/// fixed by `repair`, after which search gives what the clean index gave (files whose rows
/// could not be trusted come back after the next index run, which embeds only them).
@Suite struct IntegrityTests {
    @Test func nanAndNonUnitRowsAreNeverResultsAndOnlyTheirFilesAreEmbeddedAgain() throws {
        let d = try DamagedIndex()
        let embedded = d.f.imageEmbeds
        try d.overwriteRow(try d.row(of: "bravo"), with: [Float](repeating: .nan, count: 24))
        try d.overwriteRow(try d.row(of: "charlie"), with: hashVector(Array("charlie".utf8), dimension: 24).map { $0 * 3 })

        // Never returned, by either scan, and JSON never fails because of them.
        let expected = d.clean(without: ["bravo.jpg", "charlie.jpg"])
        #expect(try d.results() == expected)
        #expect(try d.results(options: SearchOptions(method: .exact)) == expected)
        #expect(try d.results(options: SearchOptions(method: .quantized)) == expected)
        let hits = try d.engine.search(.text("bravo"), limit: 10, options: SearchOptions(hybrid: true))
        #expect(hits.allSatisfy { $0.score.isFinite } && !hits.contains { $0.path == d.path("bravo") })
        _ = try JSONOutput.encode(QueryResultsDocument(query: .text("bravo"), space: d.f.pack.space, hits: hits))
        #expect(try d.index.duplicates(threshold: 0.99).files == DamagedIndex.contents.count - 1, "damaged rows are left out")

        let report = try d.index.check()
        #expect(Set(report.problems.map(\.kind)) == [.checksum, .badVector], "\(report.problems.map(\.message))")
        #expect(report.problems.contains { $0.kind == .badVector && $0.message.contains("not finite") })
        #expect(report.problems.contains { $0.kind == .badVector && $0.message.contains("not of unit length") })
        #expect(report.filesToEmbedAgain == [d.path("bravo"), d.path("charlie")])

        let repaired = try d.repair()
        #expect(repaired.embedAgain == [d.path("bravo"), d.path("charlie")])
        #expect(try d.results() == expected)
        #expect(try d.index.failures().map(\.path) == [d.path("bravo"), d.path("charlie")])

        let (summary, _) = try d.f.index()
        #expect(summary.indexed == 2 && d.f.imageEmbeds == embedded + 2, "only the two damaged files are embedded again")
        #expect(try d.results() == d.clean)
        #expect(try d.index.check().isSound)
    }

    @Test func shuffledInt8RowsAreFoundAndRebuiltWithoutEmbedding() throws {
        let d = try DamagedIndex()
        let embedded = d.f.imageEmbeds
        let codes = try d.internals.store.codesURL(named: try d.space.vectorFile)
        var bytes = try [UInt8](Data(contentsOf: codes))
        let stride = 24 + 4
        let rows = (bytes.count - VectorFileHeader.size) / stride
        let shuffled = (0..<rows).reversed().flatMap { row in
            bytes[(VectorFileHeader.size + row * stride)..<(VectorFileHeader.size + (row + 1) * stride)]
        }
        bytes.replaceSubrange(VectorFileHeader.size..., with: shuffled)
        try Data(bytes).write(to: codes)

        let report = try d.index.check()
        #expect(report.problems.map(\.kind) == [.int8Copy], "\(report.problems.map(\.message))")
        #expect(report.filesToEmbedAgain.isEmpty)
        let repaired = try d.repair()
        #expect(repaired.embedAgain.isEmpty && repaired.actions.map(\.kind) == [.int8Copy])
        #expect(try d.results() == d.clean)
        #expect(try d.results(options: SearchOptions(method: .quantized)) == d.clean)
        #expect(d.f.imageEmbeds == embedded)
    }

    @Test func aVectorFileNameOutsideTheIndexIsRefusedTouchedByNothingAndRepaired() throws {
        let d = try DamagedIndex()
        let name = try d.space.vectorFile
        // A real vector file outside the index, where the damaged name points.
        let outside = d.f.temp.sub("outside.f32")
        try FileManager.default.copyItem(at: try d.masterURL, to: outside)
        for companion in [".i8", ".tags", ".sums"] {
            try FileManager.default.copyItem(at: try d.internals.store.vectorsFolderURL.appendingPathComponent(name + companion),
                                             to: d.f.temp.sub("outside.f32" + companion))
        }
        try d.execute("UPDATE space SET segment = '../../outside.f32'")

        func isEscapeError(_ error: any Error) -> Bool {
            let e = error as? MMSearchError
            return e?.reason == .indexDamaged && e?.message.contains("'../../outside.f32'") == true
        }
        #expect(performing: { _ = try d.results() }, throws: isEscapeError)
        #expect(performing: { _ = try d.index.compact() }, throws: isEscapeError)
        #expect(performing: { _ = try d.f.index() }, throws: isEscapeError)
        for suffix in ["", ".i8", ".tags", ".sums"] {
            #expect(FileManager.default.fileExists(atPath: outside.path + suffix), "compaction deleted nothing outside")
        }

        let report = try d.index.check()
        #expect(report.problems.map(\.kind) == [.vectorFileName], "\(report.problems.map(\.message))")
        #expect(report.notes.isEmpty, "the space's own files are not stray: \(report.notes)")
        let repaired = try d.repair()
        #expect(repaired.embedAgain.isEmpty)
        #expect(try d.space.vectorFile == name)
        #expect(try d.results() == d.clean)
        for suffix in ["", ".i8", ".tags", ".sums"] {
            #expect(FileManager.default.fileExists(atPath: outside.path + suffix), "repair deleted nothing outside")
        }
        // Names the catalog may give a vector file.
        for bad in ["", "../x.f32", "a/b.f32", ".f32", "..", "x.txt", "/etc/passwd"] {
            #expect(EmbeddedStore.vectorFileNameProblem(bad) != nil, "\(bad)")
        }
        #expect(EmbeddedStore.vectorFileNameProblem("lite-384-0123456789abcdef-2.f16") == nil)
    }

    @Test func aDeadRowRangeCoveringEveryRowIsFoundAndRewritten() throws {
        let d = try DamagedIndex()
        let rows = try d.space.rowCount
        try d.execute("INSERT INTO tombstone (space_id, first_row, row_count) VALUES (1, 0, \(rows))")
        #expect(try d.results().allSatisfy(\.isEmpty), "every row is dead")
        #expect(try d.index.report()[0].counts.ok == DamagedIndex.contents.count + 1, "while stats counts every file")

        let report = try d.index.check()
        #expect(report.problems.map(\.kind) == [.deadRows], "\(report.problems.map(\.message))")
        #expect(report.problems[0].message.contains("search never returns them"))
        let repaired = try d.repair()
        #expect(repaired.embedAgain.isEmpty)
        #expect(try d.results() == d.clean)
        #expect(try d.f.rowsAddUp())
    }

    @Test func aDamagedHeaderPointsAtRepairAndIsRewrittenFromTheCatalog() throws {
        let d = try DamagedIndex()
        let embedded = d.f.imageEmbeds
        try d.overwrite(try d.masterURL, at: 40, with: Array("xx".utf8))  // inside the fingerprint

        func isDamage(_ error: any Error) -> Bool {
            guard let e = error as? MMSearchError, e.reason == .indexDamaged else { return false }
            return e.message.contains("header checksum") && Advice.message(for: e).contains("run `mmsearch repair`")
        }
        #expect(performing: { _ = try d.results() }, throws: isDamage)
        #expect(performing: { _ = try d.f.index() }, throws: isDamage)

        let report = try d.index.check()
        #expect(report.problems.map(\.kind) == [.vectorFile], "\(report.problems.map(\.message))")
        _ = try d.repair()
        #expect(try d.results() == d.clean)
        let (summary, _) = try d.f.index()
        #expect(summary.indexed == 0 && d.f.imageEmbeds == embedded, "nothing embedded again")
    }

    @Test func aDamagedDimensionFieldIsAHeaderProblemToo() throws {
        let d = try DamagedIndex()
        try d.overwrite(try d.masterURL, at: 16, with: withUnsafeBytes(of: UInt32(25).littleEndian, Array.init))
        #expect(throws: MMSearchError.self) { _ = try d.results() }
        #expect(try d.index.check().problems.map(\.kind) == [.vectorFile])
        _ = try d.repair()
        #expect(try d.results() == d.clean)
    }

    @Test func anEmptyCatalogIsCalledEmptyAndRepairStartsANewOne() throws {
        let d = try DamagedIndex()
        let catalog = d.directory.appendingPathComponent("catalog.sqlite")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: catalog.path + suffix) }
        try Data().write(to: catalog)

        func isEmptyCatalog(_ error: any Error) -> Bool {
            guard let e = error as? MMSearchError, e.reason == .indexDamaged else { return false }
            return e.message.contains("is empty (0 bytes)") && !e.message.contains("older schema")
        }
        #expect(performing: { _ = try d.results() }, throws: isEmptyCatalog)
        #expect(performing: { _ = try d.f.index() }, throws: isEmptyCatalog)

        let report = try d.index.check()
        #expect(report.problems.map(\.kind) == [.catalog] && report.problems[0].remedy == .newCatalog)
        let repaired = try d.repair()
        #expect(repaired.newCatalog)
        #expect(FileManager.default.fileExists(atPath: catalog.path + ".damaged"))
        let (summary, _) = try d.f.index()
        #expect(summary.indexed == DamagedIndex.contents.count + 1, "every file embedded again")
        #expect(try d.results() == d.clean)
    }

    @Test func aFileThatIsNoCatalogSaysSo() throws {
        let temp = try TemporaryDirectory()
        let dir = temp.sub("index")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let catalog = dir.appendingPathComponent("catalog.sqlite")
        try Data("just some text, long enough to look like a file".utf8).write(to: catalog)
        #expect {
            _ = try EmbeddedStore(directory: dir).spaces()
        } throws: { ($0 as? MMSearchError)?.message.contains("is not an mmsearch catalog (not an SQLite database)") == true }
        // An SQLite database of someone else's.
        try FileManager.default.removeItem(at: catalog)
        let queue = try DatabaseQueue(path: catalog.path)
        try queue.write { try $0.execute(sql: "CREATE TABLE recipes (name TEXT)") }
        try queue.close()
        #expect {
            _ = try EmbeddedStore(directory: dir).spaces()
        } throws: { ($0 as? MMSearchError)?.message.contains("is not an mmsearch catalog (it holds other tables: recipes)") == true }
        #expect(try Index.embedded(at: dir).check().problems.map(\.remedy) == [.newCatalog])
    }

    @Test func aWrongDimensionSaysDimensionAndRepairRecordsTheFilesDimension() throws {
        let d = try DamagedIndex()
        try d.execute("UPDATE space SET dimension = 512")
        func isDimension(_ error: any Error) -> Bool {
            guard let e = error as? MMSearchError else { return false }
            let text = Advice.message(for: e)
            return e.reason == .indexDamaged && text.contains("dimension 24 vs 512") && !text.contains("weights changed")
        }
        #expect(performing: { _ = try d.results() }, throws: isDimension)
        #expect(performing: { _ = try d.f.index() }, throws: isDimension)

        let report = try d.index.check()
        #expect(report.problems.map(\.kind) == [.vectorFile], "\(report.problems.map(\.message))")
        _ = try d.repair()
        #expect(try d.space.dimension == 24)
        #expect(try d.results() == d.clean)

        // An intact index of another dimension says the dimensions, not "the weights changed".
        let mismatch = MMSearchError.spaceMismatch(index: SpaceID(name: "lite", dimension: 512, fingerprint: "a"),
                                                   encoder: SpaceID(name: "lite", dimension: 384, fingerprint: "b"))
        #expect(mismatch.message.contains("dimension 512 vs 384"))
        #expect(!Advice.message(for: mismatch).contains("weights changed"))
    }

    @Test func nonsenseRowNumbersInTheCatalogNeitherTrapNorStick() throws {
        let d = try DamagedIndex()
        try d.execute("UPDATE file SET vector_count = -5 WHERE path LIKE '%/delta.jpg'")
        try d.execute("UPDATE file SET vector_row = 9223372036854775000 WHERE path LIKE '%/echo.jpg'")
        try d.execute("INSERT INTO tombstone (space_id, first_row, row_count) VALUES (1, 9223372036854775000, 9223372036854775000)")
        let damaged = try d.results()
        #expect(damaged == d.clean(without: ["delta.jpg", "echo.jpg"]), "no trap, and nonsense rows are no results")
        let report = try d.index.check()
        #expect(report.filesToEmbedAgain == [d.path("delta"), d.path("echo")], "\(report.problems.map(\.message))")
        let repaired = try d.repair()
        #expect(repaired.embedAgain == [d.path("delta"), d.path("echo")])
        let (summary, _) = try d.f.index()
        #expect(summary.indexed == 2)
        #expect(try d.results() == d.clean)
    }

    @Test func rowsLostFromTheVectorFileAreFoundAndTheirFilesEmbeddedAgain() throws {
        let d = try DamagedIndex()
        let rows = try d.space.rowCount
        let handle = try FileHandle(forWritingTo: try d.masterURL)
        try handle.truncate(atOffset: UInt64(VectorFileHeader.size + (rows - 2) * 24 * 4))
        try handle.close()
        #expect(performing: { _ = try d.results() }, throws: { ($0 as? MMSearchError)?.reason == .indexDamaged })
        let report = try d.index.check()
        #expect(report.problems.map(\.kind) == [.rows] && report.filesToEmbedAgain.count == 2,
                "\(report.problems.map(\.message))")
        let repaired = try d.repair()
        #expect(repaired.embedAgain.count == 2)
        let (summary, _) = try d.f.index()
        #expect(summary.indexed == 2)
        #expect(try d.results() == d.clean)
    }

    @Test func f16RowsAreCheckedToo() throws {
        let d = try DamagedIndex(storage: .f16)
        let stride = 24 * 2
        try d.overwrite(try d.masterURL, at: VectorFileHeader.size + (try d.row(of: "golf")) * stride,
                        with: [UInt8](repeating: 0x7e, count: stride))  // NaN halves
        #expect(try d.results() == d.clean(without: ["golf.jpg"]))
        #expect(try d.index.check().filesToEmbedAgain == [d.path("golf")])
        _ = try d.repair()
        _ = try d.f.index(options: IndexOptions(threads: 2, storage: .f16))
        #expect(try d.results() == d.clean)
    }

    @Test func aDamagedOrMissingChecksumFileStopsIndexingUntilRepaired() throws {
        for damage in ["header", "missing"] {
            let d = try DamagedIndex()
            let sums = try d.internals.store.sumsURL(named: try d.space.vectorFile)
            if damage == "header" {
                try d.overwrite(sums, at: 0, with: Array("MMSSUMZ".utf8))
            } else {
                try FileManager.default.removeItem(at: sums)
            }
            #expect(try d.results() == d.clean, "search does not need checksums")
            try d.f.photo("india.jpg", "india")
            #expect(performing: { _ = try d.f.index() }, throws: {
                ($0 as? MMSearchError)?.reason == .indexDamaged && "\($0)".contains("checksum file")
            })
            #expect(try d.index.check().problems.map(\.kind) == [.missingChecksums], "\(damage)")
            _ = try d.repair()
            let (summary, _) = try d.f.index()
            #expect(summary.indexed == 1)
            let report = try d.index.check()
            #expect(report.isSound && report.checksummedRows == report.rows)
        }
    }

    @Test func damagedTagsAndKeywordIndexAreRebuilt() throws {
        let d = try DamagedIndex()
        let tags = try d.internals.store.tagsURL(named: try d.space.vectorFile)
        try d.overwrite(tags, at: try d.row(of: "delta"), with: [0])
        let notes = try #require(try d.internals.catalog.file(path: d.f.photos.appendingPathComponent("notes.txt").path,
                                                               space: try d.space.id))
        try d.execute("DELETE FROM text_search WHERE rowid = \(notes.id * TextSearchIndex.partsPerFile + 1)")
        let report = try d.index.check()
        #expect(Set(report.problems.map(\.kind)) == [.tags, .keywordIndex], "\(report.problems.map(\.message))")
        let repaired = try d.repair()
        #expect(repaired.embedAgain.isEmpty)
        #expect(try d.results(options: SearchOptions(modalities: [.image])) == d.clean.map { $0.filter { $0.name != "notes.txt" } })
        let hits = try d.engine.search(.text("note"), limit: 3, options: SearchOptions(hybrid: true))
        #expect(hits.first?.path.hasSuffix("notes.txt") == true)
    }

    @Test func vectorFilesOfFormat1KeepWorkingAndGetChecksumsFromRepair() throws {
        let d = try DamagedIndex()
        // The index as an mmsearch before checksums wrote it: header format 1, no checksum file.
        let space = try d.space
        let header = VectorFileHeader(version: 1, elementType: .f32, dimension: 24,
                                      fingerprint: VectorFileHeader.storedFingerprint(space.fingerprint))
        for (url, type) in [(try d.masterURL, VectorElementType.f32), (try d.internals.store.codesURL(named: space.vectorFile), .int8)] {
            var old = header
            old.elementType = type
            try d.overwrite(url, at: 0, with: old.encoded())
        }
        try FileManager.default.removeItem(at: try d.internals.store.sumsURL(named: space.vectorFile))
        #expect(try d.results() == d.clean)
        var report = try d.index.check()
        #expect(report.isSound && report.checksummedRows == 0)
        #expect(report.notes.contains { $0.contains("written before checksums") })

        // New rows get checksums at once.
        try d.f.photo("india.jpg", "india")
        _ = try d.f.index()
        report = try d.index.check()
        #expect(report.isSound && report.checksummedRows == 1, "\(report.problems.map(\.message))")

        let repaired = try d.repair()
        #expect(repaired.actions.map(\.kind) == [.missingChecksums])
        report = try d.index.check()
        #expect(report.checksummedRows == report.rows && report.notes.isEmpty)
        let bytes = try [UInt8](Data(contentsOf: try d.masterURL).prefix(64))
        #expect((try? bytes.withUnsafeBytes { VectorFileHeader.decode($0) }.get())?.version == 2)
    }

    @Test func checksumsSurviveCrashesCopiesAndCompaction() throws {
        let d = try DamagedIndex()
        // Rows appended but never committed (a crash before the catalog transaction), and a torn
        // checksum record after them.
        let internals = try d.internals
        let files = try internals.vectorFiles(for: try d.space)
        _ = try files.append([hashVector(Array("ghost".utf8), dimension: 24)], tags: [1])
        let sums = try internals.store.sumsURL(named: try d.space.vectorFile)
        let handle = try FileHandle(forWritingTo: sums)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3, 4, 5]))
        try handle.close()
        #expect(try d.index.check().isSound, "uncommitted rows and a torn record are no damage")

        // A copy (same bytes as another file) reuses rows, which are verified and checksummed.
        try d.f.photo("alpha-copy.jpg", "alpha")
        try FileManager.default.removeItem(at: d.f.photos.appendingPathComponent("golf.jpg"))
        _ = try d.f.index()
        var report = try d.index.check()
        #expect(report.isSound && report.checksummedRows == report.rows, "\(report.problems.map(\.message))")

        // Compaction refuses to vouch for a damaged row, and carries the checksums over.
        try d.overwriteRow(try d.row(of: "echo"), with: [Float](repeating: .infinity, count: 24))
        #expect(performing: { _ = try d.index.compact() }, throws: { ($0 as? MMSearchError)?.reason == .indexDamaged })
        _ = try d.repair()
        let compacted = try d.index.compact()
        #expect(compacted.first?.rewritten == true)
        report = try d.index.check()
        #expect(report.isSound && report.checksummedRows == report.rows, "\(report.problems.map(\.message))")
    }
}
