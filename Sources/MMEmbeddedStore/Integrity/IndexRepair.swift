import MMSearchKit
import MMTensor
import Foundation
import GRDB
import CVectorKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `IndexStore.repair` for the embedded store, under the writer's lock. It checks first
/// (`IndexCheck`), then per space:
///
/// 1. makes the vector file readable: points the catalog at the space's file in `vectors/`
///    (an escaping or foreign name), rewrites a damaged header from the catalog, or records in
///    the catalog the layout a sound header proves (a wrong dimension);
/// 2. marks failed the files whose rows cannot be trusted (lost, failing their checksums, not
///    finite unit vectors, claimed twice, damaged parts): their rows become dead and the next
///    index run embeds them again;
/// 3. rewrites the dead-row ranges as exactly the committed rows no file owns;
/// 4. rebuilds what is derived from the vector file and the catalog: the int8 copy, the tags,
///    the checksums of the rows (only rows it verified, or that had none, are vouched for),
///    turning a file of format 1 into format 2;
///
/// then rebuilds the keyword index and the catalog's SQL indexes when the check found them
/// wrong, removes stray files, and checks again. A catalog that cannot be read as one is set
/// aside (`catalog.sqlite.damaged`) and a new one started: its vectors cannot be attributed
/// to files any more, so the next index run embeds every file again. Readers see each change
/// in one transaction and start afresh (a new epoch).
enum IndexRepair {
    static func run(_ store: EmbeddedStore) throws -> RepairReport {
        let lock = try IndexLock(directory: store.directory)
        defer { withExtendedLifetime(lock) {} }
        let found = try IndexCheck.run(store, locked: true)
        var report = RepairReport(found: found, remaining: found)
        if let unreadable = found.problems.first(where: { $0.kind == .catalog && $0.remedy == .newCatalog }) {
            try startNewCatalog(store, because: unreadable, report: &report)
        } else {
            let catalog = try store.writeCatalog()
            if found.problems.contains(where: { $0.kind == .catalog }) {
                try catalog.write { db in try db.execute(sql: "REINDEX") }
                report.actions.append(.init(.catalog, "rebuilt the catalog's SQL indexes"))
            }
            for space in try catalog.spaces() {
                try repair(space, store: store, catalog: catalog, report: &report)
            }
            if found.problems.contains(where: { $0.kind == .keywordIndex }) {
                try catalog.write { db in try Catalog.rebuildKeywordIndex(in: db) }
                report.actions.append(.init(.keywordIndex, "rebuilt the keyword index from the files, chunks and labels"))
            }
            let stray = try IndexCompaction.removeStrayFiles(in: store, catalog: catalog)
            if !stray.isEmpty {
                report.actions.append(.init(.vectorFile, "removed \(stray.count) file\(stray.count == 1 ? "" : "s") no space "
                                            + "uses from \(EmbeddedStore.vectorsFolder)/: \(IndexCheck.list(stray))"))
            }
        }
        store.forgetReadCatalog()
        report.embedAgain = Array(Set(report.embedAgain)).sorted()
        report.remaining = try IndexCheck.run(store, locked: true)
        return report
    }

    // MARK: The catalog

    /// Sets the catalog (and its log) aside as `catalog.sqlite.damaged`, removes the vector
    /// files no catalog describes now, and starts an empty catalog.
    private static func startNewCatalog(_ store: EmbeddedStore, because problem: IntegrityProblem,
                                        report: inout RepairReport) throws {
        let fm = FileManager.default
        let catalog = store.catalogURL.path
        let aside = catalog + ".damaged"
        for suffix in ["", "-wal", "-shm"] {
            try? fm.removeItem(atPath: aside + suffix)
            if fm.fileExists(atPath: catalog + suffix) {
                do {
                    try fm.moveItem(atPath: catalog + suffix, toPath: aside + suffix)
                } catch {
                    throw MMSearchError(.fatal, "catalog \(catalog + suffix) cannot be set aside: "
                                        + "\((error as NSError).localizedDescription)")
                }
            }
        }
        let vectors = store.vectorsFolderNames()
        for name in vectors { try? fm.removeItem(at: store.vectorsFolderURL.appendingPathComponent(name)) }
        _ = try store.writeCatalog()
        report.newCatalog = true
        report.actions.append(.init(.catalog, "set the unreadable catalog aside as \(EmbeddedStore.catalogName).damaged "
                                    + "and started a new one; the next `mmsearch index` embeds every file again"))
        if !vectors.isEmpty {
            report.actions.append(.init(.catalog, "removed \(vectors.count) vector file\(vectors.count == 1 ? "" : "s") "
                                        + "that no catalog describes"))
        }
    }

    // MARK: One space

    private static func repair(_ recorded: SpaceRecord, store: EmbeddedStore, catalog: Catalog,
                               report: inout RepairReport) throws {
        var space = recorded
        var inspection = try catalog.read { db in try IndexCheck.inspect(space, store: store, db: db) }
        var attempts = 0
        while let fix = inspection.structural {
            attempts += 1
            guard attempts <= 4 else {
                throw MMSearchError(.fatal, "space \(space.spaceID) of index \(store.location) cannot be repaired: "
                                    + "its vector file stays unreadable")
            }
            try apply(fix, to: space, store: store, catalog: catalog, report: &report)
            space = try catalog.read { db in
                try SpaceRecord.fetchOne(db, sql: "SELECT * FROM space WHERE id = ?", arguments: [space.id])
            } ?? space
            inspection = try catalog.read { db in try IndexCheck.inspect(space, store: store, db: db) }
        }
        let name = space.vectorFile
        let shown = "\(EmbeddedStore.vectorsFolder)/\(name)"
        let masterURL = try store.vectorURL(named: name)
        var layout: VectorFileHeader
        if let known = inspection.layout {
            layout = known
        } else {
            // No vector file: start an empty one (the files whose rows it had are marked below).
            guard let type = VectorElementType(rawValue: space.elementType), type != .int8 else { return }
            try? FileManager.default.removeItem(at: masterURL)
            layout = try VectorFileWriter(url: masterURL, dimension: space.dimension, elementType: type,
                                          fingerprint: space.fingerprint).header
            report.actions.append(.init(.vectorFile, "started an empty vector file \(shown) for space \(space.spaceID)"))
        }
        let masterRows = inspection.masterRows
        var changed = attempts > 0

        // Rows that cannot be trusted: their files are embedded again.
        if !inspection.untrusted.isEmpty {
            let byReason = Dictionary(grouping: inspection.untrusted, by: { $0.value.reason })
            try catalog.write { db in
                for (reason, files) in byReason { try Catalog.markFailed(files.map(\.key), reason: reason, in: db) }
            }
            let paths = inspection.untrusted.values.map(\.path).sorted()
            report.embedAgain += paths
            report.actions.append(.init(kindOfDistrust(inspection), "dropped the rows of \(IndexCheck.files(paths)) and "
                                        + "marked them failed; the next `mmsearch index` embeds them again"))
            changed = true
        }

        // Dead rows: exactly the committed rows no file owns.
        if inspection.deadRowsWrong || changed || masterRows != space.rowCount {
            let dead = try catalog.write { db -> Int in
                let owned = try Catalog.ownedRows(space: space.id, in: db).map(\.rows)
                let dead = complement(of: owned, below: masterRows)
                try Catalog.replaceTombstones(dead, rowCount: masterRows, space: space.id, in: db)
                return RowRanges.count(dead)
            }
            if inspection.deadRowsWrong || masterRows != space.rowCount {
                report.actions.append(.init(.deadRows, "rewrote the dead-row ranges of \(shown) from the files' rows "
                                            + "(\(dead) of \(masterRows) rows dead)"))
            }
            changed = true
        }

        // What is derived from the vector file and the catalog.
        let master = try MappedVectorFile(url: masterURL, access: .sequential, assuming: layout)
        let rows = min(masterRows, master.rowCount)
        if inspection.twinWrong {
            try rebuildTwin(from: master, rows: rows, fingerprint: space.fingerprint,
                            to: try store.codesURL(named: name))
            report.actions.append(.init(.int8Copy, "rebuilt the int8 copy \(shown).i8 from the vector file (\(rows) rows)"))
            changed = true
        }
        if inspection.graphWrong {
            let url = try store.graphURL(named: name)
            try? FileManager.default.removeItem(at: url)
            if rows >= store.graphParameters.minimumRows {
                let codes = try MappedVectorFile(url: try store.codesURL(named: name), access: .random)
                try GraphBuilder.build(count: min(rows, codes.rowCount), codes: codes, master: master,
                                       parameters: store.graphParameters,
                                       previous: nil, threads: Cores.available).write(to: url)
                report.actions.append(.init(.approximateIndex, "rebuilt the approximate index \(shown).hnsw (\(rows) rows)"))
            } else {
                report.actions.append(.init(.approximateIndex, "removed the approximate index \(shown).hnsw"))
            }
        }
        if inspection.tagsWrong {
            let tags = try catalog.read { db in try Catalog.tags(of: 0..<rows, space: space.id, in: db) }
            try AtomicFile.write(tags, to: try store.tagsURL(named: name), what: "tag file")
            report.actions.append(.init(.tags, "rewrote \(shown).tags from the catalog (\(rows) rows)"))
            changed = true
        }
        if inspection.checksumsIncomplete || !layout.isChecksummed {
            try writeChecksums(of: master, rows: rows, to: try store.sumsURL(named: name))
            var what = "wrote the checksums of the \(rows) rows of \(shown)"
            if !layout.isChecksummed {
                layout.version = VectorFileHeader.currentVersion
                try writeHeader(layout, to: masterURL)
                what += " and made it format \(layout.version)"
            }
            report.actions.append(.init(inspection.problems.contains { $0.kind == .checksum } ? .checksum : .missingChecksums, what))
            changed = true
        }
        if changed {
            try catalog.write { db in try Catalog.bumpEpoch(space: space.id, in: db) }
        }
    }

    /// Makes the vector file of `space` readable.
    private static func apply(_ fix: StructuralFix, to space: SpaceRecord, store: EmbeddedStore, catalog: Catalog,
                              report: inout RepairReport) throws {
        guard let type = VectorElementType(rawValue: space.elementType), type != .int8 else {
            throw MMSearchError(.fatal, "catalog \(store.catalogURL.path): space \(space.spaceID) has unknown element "
                                + "type '\(space.elementType)': upgrade mmsearch", reason: .indexTooNew)
        }
        let folder = EmbeddedStore.vectorsFolder
        switch fix {
        case .useFile(let name):
            try catalog.write { db in
                try Catalog.setVectorFile(name, elementType: type, dimension: space.dimension, space: space.id, in: db)
            }
            report.actions.append(.init(.vectorFileName, "pointed space \(space.spaceID) at \(folder)/\(name) instead of "
                                        + "'\(space.vectorFile)'"))
        case .newFile:
            let epoch = try catalog.read { db in
                try Int.fetchOne(db, sql: "SELECT epoch FROM space WHERE id = ?", arguments: [space.id]) ?? 0
            }
            let name = EmbeddedStore.vectorFileName(space.spaceID, elementType: type, generation: epoch + 1)
            for companion in EmbeddedStore.companionNames(of: name) {
                try? FileManager.default.removeItem(at: store.vectorsFolderURL.appendingPathComponent(companion))
            }
            try catalog.write { db in
                try Catalog.setVectorFile(name, elementType: type, dimension: space.dimension, space: space.id, in: db)
            }
            report.actions.append(.init(.vectorFile, "pointed space \(space.spaceID) at a new vector file \(folder)/\(name) "
                                        + "instead of '\(space.vectorFile)'"))
        case .rewriteHeader(let header):
            var header = header
            header.version = VectorFileHeader.currentVersion
            try writeHeader(header, to: try store.vectorURL(named: space.vectorFile))
            report.actions.append(.init(.vectorFile, "rewrote the header of \(folder)/\(space.vectorFile) from the catalog "
                                        + "(\(header.dimension)-d \(header.elementType) vectors of space \(space.spaceID))"))
        case .recordLayout(let dimension, let elementType):
            try catalog.write { db in
                try Catalog.setVectorFile(space.vectorFile, elementType: elementType, dimension: dimension, space: space.id, in: db)
            }
            report.actions.append(.init(.vectorFile, "recorded that space \(space.name) holds \(dimension)-d \(elementType) "
                                        + "vectors (the catalog said \(space.dimension)-d \(space.elementType)), as the "
                                        + "header of \(folder)/\(space.vectorFile) proves"))
        }
    }

    /// The problem class whose rows were dropped, for the action's line.
    private static func kindOfDistrust(_ inspection: SpaceInspection) -> IntegrityProblem.Kind {
        inspection.problems.first { $0.remedy == .reembed }?.kind ?? .rows
    }

    /// The rows below `count` outside `ranges`, as ranges.
    static func complement(of ranges: [Range<Int>], below count: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var next = 0
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            let lower = min(range.lowerBound, count)
            if lower > next { result.append(next..<lower) }
            next = max(next, min(range.upperBound, count))
        }
        if next < count { result.append(next..<count) }
        return result
    }

    // MARK: Derived files

    /// Writes `header` over the first 64 bytes of the vector file at `url` and syncs it.
    private static func writeHeader(_ header: VectorFileHeader, to url: URL) throws {
        let fd = open(url.path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be opened: \(POSIX.lastError)")
        }
        defer { close(fd) }
        let bytes = header.encoded()
        guard bytes.withUnsafeBytes({ POSIX.writeAll(fd, $0, at: 0) }), fsync(fd) == 0 else {
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be repaired: \(POSIX.lastError)")
        }
    }

    /// Writes the int8 copy of the first `rows` rows of `master` at `url`.
    private static func rebuildTwin(from master: MappedVectorFile, rows: Int, fingerprint: String, to url: URL) throws {
        let d = master.dimension
        let header = VectorFileHeader(elementType: .int8, dimension: d,
                                      fingerprint: VectorFileHeader.storedFingerprint(fingerprint))
        try AtomicFile.write(to: url, what: "int8 copy") { append in
            try append(header.encoded())
            var values = [Float](repeating: 0, count: d)
            var chunk: [UInt8] = []
            chunk.reserveCapacity(4096 * (d + 4))
            var row = [UInt8](repeating: 0, count: d + 4)
            for index in 0..<rows {
                let source = master.row(index)
                values.withUnsafeMutableBufferPointer { out in
                    switch master.elementType {
                    case .f32: out.baseAddress!.update(from: source.assumingMemoryBound(to: Float.self), count: d)
                    case .f16: mms_f16_to_f32(source.assumingMemoryBound(to: UInt16.self), out.baseAddress!, d)
                    case .int8: break
                    }
                }
                row.withUnsafeMutableBytes { out in
                    let scale = values.withUnsafeBufferPointer {
                        Quantizer.quantize($0, into: out.baseAddress!.assumingMemoryBound(to: Int8.self))
                    }
                    out.storeBytes(of: scale, toByteOffset: d, as: Float.self)
                }
                chunk += row
                if chunk.count >= 4096 * (d + 4) {
                    try append(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            try append(chunk)
        }
    }

    /// Writes the checksum file of the first `rows` rows of `master` at `url`.
    private static func writeChecksums(of master: MappedVectorFile, rows: Int, to url: URL) throws {
        let stride = master.rowStride
        let step = RowChecksumFile.blockRows * 1024
        var sums: [RowChecksum] = []
        var first = 0
        while first < rows {
            let count = min(step, rows - first)
            let bytes = [UInt8](UnsafeRawBufferPointer(start: master.row(first), count: count * stride))
            sums += RowChecksumFile.checksums(of: bytes, first: first, count: count, stride: stride)
            first += count
        }
        try RowChecksumFile.write(sums, to: url)
    }
}
