import MMSearchKit
import Foundation
import GRDB
import CVectorKernels

/// A fix `repair` must make before a space's rows can be read: the vector file's name, header
/// or layout. Repair makes it and inspects the space again.
enum StructuralFix: Equatable {
    /// Point the catalog at this vector file in `vectors/` (it holds the space's vectors).
    case useFile(String)
    /// Start an empty vector file under a new name: the space's vectors are lost.
    case newFile
    /// Write this header over the vector file's damaged one.
    case rewriteHeader(VectorFileHeader)
    /// Record in the catalog the dimension and element type the vector file's header proves.
    case recordLayout(dimension: Int, elementType: VectorElementType)
}

/// What is wrong with one space, in the detail `repair` acts on.
struct SpaceInspection {
    var space: SpaceRecord
    var problems: [IntegrityProblem] = []
    var notes: [String] = []
    /// Made first by repair, which then inspects again.
    var structural: StructuralFix?
    /// How the master's rows are laid out (its header, or what repair writes there); nil when
    /// the file cannot be read.
    var layout: VectorFileHeader?
    /// Whole rows in the master vector file.
    var masterRows = 0
    /// Files whose vectors cannot be trusted, with the reason recorded when repair marks them
    /// failed.
    var untrusted: [Int64: (path: String, reason: String)] = [:]
    var deadRowsWrong = false
    var twinWrong = false
    /// The graph file must be built again (or removed, below `GraphParameters.minimumRows`).
    var graphWrong = false
    var tagsWrong = false
    /// The checksum file must be written afresh (missing, damaged, rows without checksums,
    /// failing blocks, a file of format 1).
    var checksumsIncomplete = false
    /// Indexed files with rows, their rows, and the rows verified against a checksum.
    var files = 0
    var rows = 0
    var checksummedRows = 0

    init(space: SpaceRecord) {
        self.space = space
    }
}

/// `IndexStore.check` for the embedded store: reads the catalog (one read transaction) and the
/// vector files of every space and says what disagrees; changes nothing. Holds the writer's
/// lock meanwhile when it can, so that no index run changes the files under it.
enum IndexCheck {
    /// Checks the index; `locked` when the caller holds the writer's lock (repair).
    static func run(_ store: EmbeddedStore, locked: Bool = false) throws -> IntegrityReport {
        let lock = locked ? nil : try checkingLock(store)
        defer { withExtendedLifetime(lock) {} }
        var report = IntegrityReport(location: store.location)
        let catalog: Catalog
        do {
            catalog = try Catalog(url: store.catalogURL, readOnly: true)
        } catch let error as MMSearchError where error.reason == .indexDamaged {
            report.problems.append(IntegrityProblem(.catalog, space: nil, error.message, remedy: .newCatalog))
            return report
        }
        try catalog.read { db in
            for problem in try Catalog.sqliteProblems(in: db).prefix(3) {
                report.problems.append(IntegrityProblem(
                    .catalog, space: nil, "SQLite's check of \(EmbeddedStore.catalogName) finds: \(problem)", remedy: .rebuild))
            }
            let spaces = try SpaceRecord.fetchAll(db, sql: "SELECT * FROM space ORDER BY id")
            var found: [String] = []
            for space in spaces {
                let inspection = try inspect(space, store: store, db: db)
                if case .useFile(let name)? = inspection.structural { found += EmbeddedStore.companionNames(of: name) }
                report.problems += inspection.problems
                report.notes += inspection.notes
                report.spaces += 1
                report.files += inspection.files
                report.rows += inspection.rows
                report.checksummedRows += inspection.checksummedRows
            }
            let (missing, extra) = try Catalog.keywordIndexDifferences(in: db)
            if missing + extra > 0 {
                report.problems.append(IntegrityProblem(
                    .keywordIndex, space: nil, "the keyword index lacks \(missing) entries of files, chunks or labels "
                        + "(or has them wrong) and holds \(extra) it should not", remedy: .rebuild))
            }
            // A space's own files under a name the catalog lost are not stray.
            let stray = IndexCompaction.strayFiles(in: store, spaces: spaces).filter { !found.contains($0) }
            if !stray.isEmpty {
                report.notes.append("\(stray.count) file\(stray.count == 1 ? "" : "s") in \(EmbeddedStore.vectorsFolder)/ "
                                    + "belong to no space (left by an interrupted compaction): "
                                    + list(stray) + "; `mmsearch repair` and `mmsearch compact` remove them")
            }
        }
        return report
    }

    /// The writer's lock when it can be taken: another writer at work is an error (`check`
    /// would see its half-written files); an index that cannot be locked (read-only) is
    /// checked without it.
    static func checkingLock(_ store: EmbeddedStore) throws -> IndexLock? {
        do {
            return try IndexLock(directory: store.directory)
        } catch let error as MMSearchError where error.reason == .indexLocked {
            throw error
        } catch {
            return nil
        }
    }

    // MARK: One space

    /// Everything wrong with `space`, read in `db` and from its files.
    static func inspect(_ space: SpaceRecord, store: EmbeddedStore, db: Database) throws -> SpaceInspection {
        var s = SpaceInspection(space: space)
        let owned = try Catalog.ownedRows(space: space.id, in: db)
        s.files = owned.count
        s.rows = owned.reduce(0) { $0 + $1.rows.count }
        let allPaths = owned.map(\.path)
        let name = space.vectorFile
        let shown = "\(EmbeddedStore.vectorsFolder)/\(name)"

        // The vector file's name: nothing outside vectors/ is read.
        if let why = EmbeddedStore.vectorFileNameProblem(name) {
            let found = candidateVectorFile(for: space, store: store)
            let what = "the catalog names the vector file '\(name)' of space \(space.spaceID), which is not a file "
                + "in \(EmbeddedStore.vectorsFolder)/: \(why)"
            if let found {
                s.problems.append(problem(.vectorFileName, s, what + "; \(EmbeddedStore.vectorsFolder)/\(found) holds "
                                          + "the space's vectors", .rebuild))
                s.structural = .useFile(found)
            } else {
                s.problems.append(problem(.vectorFileName, s, what + "; no file in \(EmbeddedStore.vectorsFolder)/ holds "
                                          + "the space's vectors, so those of \(files(allPaths)) are lost", .reembed, allPaths))
                s.structural = .newFile
            }
            return s
        }
        let url = try store.vectorURL(named: name)
        guard let elementType = VectorElementType(rawValue: space.elementType), elementType != .int8 else {
            throw MMSearchError(.fatal, "catalog \(store.catalogURL.path): space \(space.spaceID) has unknown element "
                                + "type '\(space.elementType)': upgrade mmsearch", reason: .indexTooNew)
        }
        let recorded = VectorFileHeader(elementType: elementType, dimension: space.dimension,
                                        fingerprint: VectorFileHeader.storedFingerprint(space.fingerprint))

        // The header: decoded, checksum verified, compared with the catalog.
        guard let size = fileSize(url) else {
            if !owned.isEmpty || space.rowCount > 0 {
                s.problems.append(problem(.vectorFile, s, "vector file \(shown) is missing: the vectors of "
                                          + "\(files(allPaths)) are lost", .reembed, allPaths))
                for file in owned { s.untrusted[file.fileID] = (file.path, Reasons.lost) }
                s.deadRowsWrong = true
            }
            return s
        }
        var layout = recorded
        switch decodeHeader(url) {
        case .success(let header):
            layout = header
            if let mismatch = EmbeddedStore.mismatch(header, of: space, codes: false) {
                let what = "vector file \(shown) \(mismatch)"
                if header.fingerprint != recorded.fingerprint, header.isChecksummed {
                    // A sound header of another space: this space's vectors are not there.
                    s.problems.append(problem(.vectorFile, s, what + ": the vectors of \(files(allPaths)) are lost",
                                              .reembed, allPaths))
                    s.structural = .newFile
                    return s
                }
                if header.isChecksummed || soundFraction(url, header, rows: size) > soundFraction(url, recorded, rows: size) {
                    // The header's checksum holds (or its layout reads unit vectors and the
                    // catalog's does not): the catalog is wrong.
                    s.problems.append(problem(.vectorFile, s, what + "; the catalog is wrong", .rebuild))
                    s.structural = .recordLayout(dimension: header.dimension, elementType: header.elementType)
                } else {
                    s.problems.append(problem(.vectorFile, s, what + "; the header is wrong", .rebuild))
                    s.structural = .rewriteHeader(recorded)
                }
                return s
            }
        case .failure(let error):
            if error.newer { throw error.error(path: url.path) }
            s.problems.append(problem(.vectorFile, s, "vector file \(shown) has a damaged header (\(error.reason))", .rebuild))
            s.structural = .rewriteHeader(recorded)
            return s
        }
        s.layout = layout
        s.masterRows = max(0, size - VectorFileHeader.size) / layout.rowStride
        if !layout.isChecksummed { s.checksumsIncomplete = true }
        try inspectRows(&s, owned: owned, url: url, shown: shown, store: store, db: db)
        return s
    }

    /// Rows, dead ranges, checksums, values, the int8 copy, tags and parts of a space whose
    /// vector file can be read (`s.layout`).
    private static func inspectRows(_ s: inout SpaceInspection, owned: [OwnedRows], url: URL, shown: String,
                                    store: EmbeddedStore, db: Database) throws {
        guard let layout = s.layout else { return }
        let space = s.space
        let committed = space.rowCount
        // Rows that can be read and are committed: the bitmaps below cover these only, so a
        // damaged count in the catalog costs no memory (rows past them are lost or dead).
        let readable = max(0, min(committed, s.masterRows))
        let limit = readable
        // Who owns each row (index into `owned`), and files in each other's way.
        var owner = [Int32](repeating: -1, count: limit)
        var overlapping = Set<Int>()
        var pastCommitted = Set<Int>()
        for (i, file) in owned.enumerated() {
            if file.rows.upperBound > committed { pastCommitted.insert(i) }
            for row in file.rows.clamped(to: 0..<limit) {
                if owner[row] >= 0 {
                    overlapping.insert(Int(owner[row]))
                    overlapping.insert(i)
                } else {
                    owner[row] = Int32(i)
                }
            }
        }
        func paths(_ indexes: some Sequence<Int>) -> [String] { Set(indexes).sorted().map { owned[$0].path } }
        /// Records why files cannot be trusted; the first reason stays unless a more telling
        /// one `replaces` it (a row that is NaN says more than its failing checksum).
        func distrust(_ indexes: some Sequence<Int>, _ reason: String, replacing: Bool = false) {
            for i in indexes where replacing || s.untrusted[owned[i].fileID] == nil {
                s.untrusted[owned[i].fileID] = (owned[i].path, reason)
            }
        }
        if !overlapping.isEmpty {
            s.problems.append(problem(.deadRows, s, "\(files(paths(overlapping))) claim the same rows of \(shown)",
                                      .reembed, paths(overlapping)))
            distrust(overlapping, Reasons.shared)
        }
        if !pastCommitted.isEmpty {
            s.problems.append(problem(.rows, s, "\(files(paths(pastCommitted))) claim rows past the \(committed) committed "
                                      + "rows of \(shown)", .reembed, paths(pastCommitted)))
            distrust(pastCommitted, Reasons.pastCommitted)
        }
        if s.masterRows < committed {
            let lost = Set(owned.indices.filter { owned[$0].rows.upperBound > s.masterRows && owned[$0].rows.lowerBound < committed })
            let what = "vector file \(shown) has \(s.masterRows) rows, the catalog counts \(committed)"
            if lost.isEmpty {
                s.problems.append(problem(.rows, s, what + " (the missing rows were dead)", .rebuild))
                s.deadRowsWrong = true
            } else {
                s.problems.append(problem(.rows, s, what + ": the vectors of \(files(paths(lost))) are lost", .reembed, paths(lost)))
                distrust(lost, Reasons.lost)
            }
        }

        // Dead rows: exactly the committed rows no file owns.
        var dead = [Bool](repeating: false, count: limit)
        var deadOverlap = false
        for range in try Catalog.tombstoneRanges(space: space.id, in: db) {
            if range.upperBound > committed { deadOverlap = true }
            for row in range.clamped(to: 0..<limit) {
                if dead[row] { deadOverlap = true }
                dead[row] = true
            }
        }
        var coveredRows: [Int] = []
        var coveredFiles = Set<Int>()
        var leaked: [Int] = []
        for row in 0..<limit {
            if owner[row] >= 0, dead[row] {
                coveredRows.append(row)
                coveredFiles.insert(Int(owner[row]))
            } else if owner[row] < 0, !dead[row] {
                leaked.append(row)
            }
        }
        if !coveredRows.isEmpty {
            s.problems.append(problem(.deadRows, s, "dead-row ranges cover \(coveredRows.count) rows of \(files(paths(coveredFiles))) "
                                      + "(\(RowRanges.phrase(coveredRows)) of \(shown)): search never "
                                      + "returns them", .rebuild))
        }
        if !leaked.isEmpty {
            s.problems.append(problem(.deadRows, s, "\(RowRanges.phrase(leaked)) of \(shown) "
                                      + "belong\(leaked.count == 1 ? "s" : "") to no file and to no dead-row range", .rebuild))
        }
        if deadOverlap, coveredRows.isEmpty, leaked.isEmpty {
            s.problems.append(problem(.deadRows, s, "dead-row ranges of \(shown) overlap or reach past its \(committed) "
                                      + "committed rows", .rebuild))
        }
        s.deadRowsWrong = s.deadRowsWrong || !coveredRows.isEmpty || !leaked.isEmpty || deadOverlap || !s.untrusted.isEmpty

        // The values: checksums of the blocks with live rows, and every live row a finite unit vector.
        guard readable > 0 else {
            try inspectParts(&s, owned: owned, db: db)
            return
        }
        let master = try MappedVectorFile(url: url, access: .sequential, assuming: layout)
        let stride = layout.rowStride
        let sumsURL = try store.sumsURL(named: space.vectorFile)
        var checked = [Bool](repeating: false, count: readable)
        var failing: [Int] = []
        switch RowChecksumFile.read(sumsURL) {
        case nil:
            if layout.isChecksummed {
                s.problems.append(problem(.missingChecksums, s, "checksum file \(shown).sums is missing: \(s.rows) rows "
                                          + "cannot be verified", .rebuild))
                s.checksumsIncomplete = true
            }
        case let contents?:
            if let header = contents.headerProblem {
                s.problems.append(problem(.missingChecksums, s, "checksum file \(shown).sums is damaged (\(header)): "
                                          + "\(s.rows) rows cannot be verified", .rebuild))
                s.checksumsIncomplete = true
            }
            if contents.damagedEntries > 0 { s.checksumsIncomplete = true }
            for entry in contents.entries where entry.rows.lowerBound < readable {
                for row in entry.rows.clamped(to: 0..<readable) where owner[row] >= 0 && !checked[row] {
                    let bytes = UnsafeRawBufferPointer(start: master.row(row), count: stride)
                    if CRC32C.checksum(bytes) == entry.crc(ofRow: row) {
                        checked[row] = true
                        s.checksummedRows += 1
                    } else {
                        failing.append(row)
                    }
                }
            }
        }
        if !failing.isEmpty {
            let rows = Set(failing).sorted()
            let indexes = Set(rows.map { Int(owner[$0]) })
            s.problems.append(problem(.checksum, s, "\(RowRanges.phrase(rows)) of \(shown) "
                                      + (rows.count == 1 ? "does not match its checksum" : "do not match their checksums")
                                      + ": the vectors of \(files(paths(indexes))) cannot be trusted",
                                      .reembed, paths(indexes)))
            distrust(indexes, Reasons.checksum)
        }
        let failingRows = Set(failing)
        let unchecked = (0..<readable).filter { owner[$0] >= 0 && !checked[$0] && !failingRows.contains($0) }.count
        if unchecked > 0 {
            if layout.isChecksummed {
                if s.problems.last?.kind != .missingChecksums {
                    s.problems.append(problem(.missingChecksums, s, "\(unchecked) rows of \(shown) have no checksum",
                                              .rebuild))
                }
            } else {
                s.notes.append("\(unchecked) rows of \(shown) were written before checksums existed (format 1): "
                               + "`mmsearch repair` or `mmsearch compact` adds them")
            }
            s.checksumsIncomplete = true
        }
        var notFinite: [Int] = []
        var notUnit: [(row: Int, norm: Float)] = []
        for row in 0..<readable where owner[row] >= 0 {
            switch StoredRow.fault(master.row(row), type: layout.elementType, dimension: layout.dimension) {
            case nil: break
            case .notFinite?: notFinite.append(row)
            case .notUnit(let norm)?: notUnit.append((row, norm))
            }
        }
        if !notFinite.isEmpty {
            let indexes = Set(notFinite.map { Int(owner[$0]) })
            s.problems.append(problem(.badVector, s, "\(RowRanges.phrase(notFinite)) of \(shown) "
                                      + (notFinite.count == 1 ? "is " : "are ")
                                      + "\(StoredRow.Fault.notFinite.description): \(files(paths(indexes)))",
                                      .reembed, paths(indexes)))
            distrust(indexes, Reasons.badVector, replacing: true)
        }
        if let first = notUnit.first {
            let indexes = Set(notUnit.map { Int(owner[$0.row]) })
            s.problems.append(problem(.badVector, s, "\(RowRanges.phrase(notUnit.map(\.row))) of \(shown) "
                                      + (notUnit.count == 1 ? "is not of unit length (norm \(first.norm))"
                                         : "are not of unit length (row \(first.row): norm \(first.norm))")
                                      + ": \(files(paths(indexes)))", .reembed, paths(indexes)))
            distrust(indexes, Reasons.badVector, replacing: true)
        }

        // A damaged master row has no right int8 copy to compare with.
        let unsound = Set(notFinite + notUnit.map(\.row))
        try inspectTwin(&s, master: master, owner: owner, readable: readable, skipping: unsound, shown: shown, store: store)
        try inspectGraph(&s, shown: shown, store: store)
        try inspectTags(&s, owned: owned, owner: owner, readable: readable, shown: shown, store: store, db: db)
        try inspectParts(&s, owned: owned, db: db)
    }

    /// The int8 copy: present, sound, the space's, and every live row the quantised master row.
    private static func inspectTwin(_ s: inout SpaceInspection, master: MappedVectorFile, owner: [Int32], readable: Int,
                                    skipping unsound: Set<Int>, shown: String, store: EmbeddedStore) throws {
        let url = try store.codesURL(named: s.space.vectorFile)
        let live = (0..<readable).filter { owner[$0] >= 0 && !unsound.contains($0) }
        guard !live.isEmpty else { return }
        guard fileSize(url) != nil else {
            s.problems.append(problem(.int8Copy, s, "the int8 copy \(shown).i8 is missing (searches scan exactly)", .rebuild))
            s.twinWrong = true
            return
        }
        let codes: MappedVectorFile
        switch decodeHeader(url) {
        case .failure(let error):
            s.problems.append(problem(.int8Copy, s, "the int8 copy \(shown).i8 has a damaged header (\(error.reason))", .rebuild))
            s.twinWrong = true
            return
        case .success(let header):
            if let mismatch = EmbeddedStore.mismatch(header, of: s.space, codes: true) {
                s.problems.append(problem(.int8Copy, s, "the int8 copy \(shown).i8 \(mismatch)", .rebuild))
                s.twinWrong = true
                return
            }
            codes = try MappedVectorFile(url: url, access: .sequential)
        }
        let d = master.dimension
        var differing: [Int] = []
        var short = 0
        var values = [Float](repeating: 0, count: d)
        var expected = [UInt8](repeating: 0, count: d + 4)
        for row in live {
            guard row < codes.rowCount else {
                short += 1
                continue
            }
            let source = master.row(row)
            values.withUnsafeMutableBufferPointer { out in
                switch master.elementType {
                case .f32: out.baseAddress!.update(from: source.assumingMemoryBound(to: Float.self), count: d)
                case .f16: mms_f16_to_f32(source.assumingMemoryBound(to: UInt16.self), out.baseAddress!, d)
                case .int8: break
                }
            }
            expected.withUnsafeMutableBytes { out in
                let scale = values.withUnsafeBufferPointer {
                    Quantizer.quantize($0, into: out.baseAddress!.assumingMemoryBound(to: Int8.self))
                }
                out.storeBytes(of: scale, toByteOffset: d, as: Float.self)
            }
            let stored = UnsafeRawBufferPointer(start: codes.row(row), count: d + 4)
            if !stored.elementsEqual(expected) { differing.append(row) }
        }
        if short > 0 {
            s.problems.append(problem(.int8Copy, s, "the int8 copy \(shown).i8 has \(codes.rowCount) rows, \(short) live rows "
                                      + "short of the vector file", .rebuild))
            s.twinWrong = true
        }
        if !differing.isEmpty {
            s.problems.append(problem(.int8Copy, s, "\(differing.count) rows of the int8 copy \(shown).i8 differ from the "
                                      + "vector file (\(RowRanges.phrase(differing))): searches may "
                                      + "miss the nearest files", .rebuild))
            s.twinWrong = true
        }
    }

    /// The approximate index: when there is one, it opens over the int8 copy (its header, its
    /// rows within the copy's, the checksum of its links). A graph over a wrong copy is built
    /// again with it.
    private static func inspectGraph(_ s: inout SpaceInspection, shown: String, store: EmbeddedStore) throws {
        let url = try store.graphURL(named: s.space.vectorFile)
        guard fileSize(url) != nil else { return }
        if s.twinWrong {
            s.graphWrong = true
            return
        }
        let codes = try MappedVectorFile(url: store.codesURL(named: s.space.vectorFile), access: .random)
        if case .failure(let damage) = VectorGraph.load(url, codes: codes) {
            s.problems.append(problem(.approximateIndex, s, "the approximate index \(shown).hnsw cannot be used: \(damage) "
                                      + "(searches scan every row until it is rebuilt)", .rebuild))
            s.graphWrong = true
        }
    }

    /// The tag file: every live row it covers carries its file's modality code.
    private static func inspectTags(_ s: inout SpaceInspection, owned: [OwnedRows], owner: [Int32], readable: Int,
                                    shown: String, store: EmbeddedStore, db: Database) throws {
        let url = try store.tagsURL(named: s.space.vectorFile)
        guard fileSize(url) != nil else { return }  // missing tags come from the catalog
        let tags = try MappedRowTags(url: url)
        let codes = try Catalog.modalityCodes(in: db)
        var wrong: [Int] = []
        for row in 0..<min(readable, tags.rowCount) where owner[row] >= 0 {
            if tags[row] != codes[owned[Int(owner[row])].modality] ?? 0 { wrong.append(row) }
        }
        if !wrong.isEmpty {
            s.problems.append(problem(.tags, s, "\(wrong.count) rows of \(shown).tags carry another modality than their "
                                      + "files (\(RowRanges.phrase(wrong)))", .rebuild))
            s.tagsWrong = true
        }
    }

    /// A file's record of rows, its parts: one chunk per row, and sound vectors under a row.
    private static func inspectParts(_ s: inout SpaceInspection, owned: [OwnedRows], db: Database) throws {
        let records = try Catalog.filesWithBadRowRecords(space: s.space.id, in: db)
        if !records.isEmpty {
            s.problems.append(problem(.rows, s, "the catalog's record of the rows of \(files(records.map(\.path))) "
                                      + "makes no sense (a first row without rows, or rows without a first row)",
                                      .reembed, records.map(\.path)))
            for file in records where s.untrusted[file.id] == nil { s.untrusted[file.id] = (file.path, Reasons.record) }
            s.deadRowsWrong = true
        }
        let chunks = try Catalog.filesWithMismatchedChunks(space: s.space.id, in: db)
        if !chunks.isEmpty {
            s.problems.append(problem(.parts, s, "the chunks of \(files(chunks.map(\.path))) are not one per row",
                                      .reembed, chunks.map(\.path)))
            for file in chunks where s.untrusted[file.id] == nil { s.untrusted[file.id] = (file.path, Reasons.parts) }
        }
        let parts = try Catalog.filesWithDamagedParts(space: s.space.id, dimension: s.space.dimension, in: db)
        if !parts.isEmpty {
            s.problems.append(problem(.badVector, s, "parts under the row of \(files(parts.map(\.path))) are not finite "
                                      + "unit vectors", .reembed, parts.map(\.path)))
            for file in parts where s.untrusted[file.id] == nil { s.untrusted[file.id] = (file.path, Reasons.parts) }
        }
        if !chunks.isEmpty || !parts.isEmpty { s.deadRowsWrong = true }
    }

    // MARK: Helpers

    /// What repair records as the error of a file whose vectors it dropped.
    enum Reasons {
        static let lost = "its vector was lost from the vector file; index it again"
        static let checksum = "its vectors do not match their checksums (damaged on disk); index it again"
        static let badVector = "its stored vector is not a finite unit vector (damaged on disk); index it again"
        static let shared = "its rows were claimed by another file too; index it again"
        static let pastCommitted = "its rows lay past the committed ones; index it again"
        static let parts = "its parts were damaged; index it again"
        static let record = "the record of its rows was damaged; index it again"
    }

    private static func problem(_ kind: IntegrityProblem.Kind, _ s: SpaceInspection, _ message: String,
                                _ remedy: IntegrityProblem.Remedy, _ files: [String] = []) -> IntegrityProblem {
        IntegrityProblem(kind, space: s.space.spaceID, message, remedy: remedy, files: files.sorted())
    }

    /// `a, b, c and 4 more`.
    static func list(_ names: [String], limit: Int = 3) -> String {
        let shown = names.prefix(limit).joined(separator: ", ")
        return names.count > limit ? "\(shown) and \(names.count - limit) more" : shown
    }

    /// `1 file (a)`, `5 files (a, b, c and 2 more)`.
    static func files(_ paths: [String]) -> String {
        "\(paths.count) file\(paths.count == 1 ? "" : "s") (\(list(paths)))"
    }

    static func fileSize(_ url: URL) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue
    }

    /// The header of the vector file at `url`, decoded and verified.
    static func decodeHeader(_ url: URL) -> Result<VectorFileHeader, VectorFileHeader.HeaderError> {
        let bytes = FileHandle(forReadingAtPath: url.path).flatMap { handle in
            defer { try? handle.close() }
            return try? handle.read(upToCount: VectorFileHeader.size)
        } ?? Data()
        return bytes.withUnsafeBytes { VectorFileHeader.decode($0) }
    }

    /// The share of the first rows of the file at `url` (`size` bytes) that are finite unit
    /// vectors when read as `layout` says: how a layout is told from a wrong one.
    static func soundFraction(_ url: URL, _ layout: VectorFileHeader, rows size: Int) -> Double {
        let rows = max(0, size - VectorFileHeader.size) / layout.rowStride
        guard rows > 0, let file = try? MappedVectorFile(url: url, access: .sequential, assuming: layout) else { return 0 }
        let sample = min(rows, 16)
        let sound = (0..<sample).filter { StoredRow.fault(file.row($0), type: layout.elementType, dimension: layout.dimension) == nil }
        return Double(sound.count) / Double(sample)
    }

    /// A vector file in `vectors/` that holds `space`'s vectors (its header says so): the one
    /// with the most rows, the newest among equals; nil when there is none.
    static func candidateVectorFile(for space: SpaceRecord, store: EmbeddedStore) -> String? {
        let folder = store.vectorsFolderURL
        var best: (name: String, rows: Int, date: Date)?
        for name in store.vectorsFolderNames() where EmbeddedStore.vectorFileNameProblem(name) == nil {
            let url = folder.appendingPathComponent(name)
            guard case .success(let header) = decodeHeader(url), EmbeddedStore.mismatch(header, of: space, codes: false) == nil,
                  let size = fileSize(url) else { continue }
            let rows = (size - VectorFileHeader.size) / header.rowStride
            let date = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
            if best.map({ rows > $0.rows || (rows == $0.rows && date > $0.date) }) ?? true { best = (name, rows, date) }
        }
        return best?.name
    }
}
