import MMSearchKit
import CVectorKernels
import Foundation

/// Writes the vectors of one space: the master vector file (f32 or f16: what exact search and
/// rescoring read), its int8 twin (what the fast scan reads), its tag file (each row's
/// modality) and its checksum file (CRC-32C of the master's rows, block by block), kept in step
/// row for row.
///
/// The twin is derived data: it quantises the master's rows as stored (after f16 rounding),
/// and opening repairs it from the master when a crash left it shorter or longer. Tags come
/// from the catalog: `missingTags` says which rows the opener must fill in. Checksums are not
/// derived: they are written from the rows' bytes as they are appended and never recomputed
/// from the file (that would bless damage), except by `repair` for rows it verified.
final class SpaceVectorFiles {
    let master: VectorFileWriter
    let codes: VectorFileWriter
    let tags: RowTagWriter
    let sums: RowChecksumFile

    /// Rows in the master vector file.
    var rowCount: Int { master.rowCount }

    init(masterURL: URL, codesURL: URL, tagsURL: URL, sumsURL: URL, dimension: Int, elementType: VectorElementType,
         fingerprint: String) throws {
        precondition(elementType != .int8, "the master vector file holds f32 or f16 rows")
        master = try VectorFileWriter(url: masterURL, dimension: dimension, elementType: elementType,
                                         fingerprint: fingerprint)
        // A file of format 2 has had its checksum file since it was created: without it, its
        // rows cannot be verified, and writing a new one would vouch for whatever is there.
        if master.header.isChecksummed, master.rowCount > 0, !FileManager.default.fileExists(atPath: sumsURL.path) {
            throw MMSearchError(.fatal, "checksum file \(sumsURL.path) of \(master.rowCount) rows is missing",
                                reason: .indexDamaged)
        }
        // Files of format 1 get checksums for the rows appended from now on.
        sums = try RowChecksumFile(url: sumsURL)
        try sums.cut(toRows: master.rowCount)
        // The twin is derived data: one that cannot be used is rebuilt from the master.
        do {
            codes = try VectorFileWriter(url: codesURL, dimension: dimension, elementType: .int8,
                                            fingerprint: fingerprint)
        } catch {
            try? FileManager.default.removeItem(at: codesURL)
            codes = try VectorFileWriter(url: codesURL, dimension: dimension, elementType: .int8,
                                            fingerprint: fingerprint)
        }
        tags = try RowTagWriter(url: tagsURL)
        if codes.rowCount > master.rowCount { try codes.truncate(toRows: master.rowCount) }
        if codes.rowCount < master.rowCount {
            while codes.rowCount < master.rowCount {
                let rows = codes.rowCount..<min(master.rowCount, codes.rowCount + 4096)
                let values = decoded(try master.read(rows), count: rows.count)
                _ = try codes.write(codes.encoded(values), count: rows.count)
            }
            try codes.sync()
        }
        if tags.rowCount > master.rowCount { try tags.truncate(toRows: master.rowCount) }
    }

    /// Rows of the master that have no tag yet (after a crash, or in an index from before tags).
    var missingTags: Range<Int> { tags.rowCount..<max(tags.rowCount, master.rowCount) }

    /// Writes the tags of `missingTags` and syncs them.
    func fillTags(_ values: [UInt8]) throws {
        precondition(values.count == missingTags.count, "\(values.count) tags for \(missingTags.count) rows")
        try tags.write(values)
        try tags.sync()
    }

    /// Appends `vectors` with their tags to every file and syncs them; returns their rows.
    func append(_ vectors: [[Float]], tags rowTags: [UInt8]) throws -> Range<Int> {
        precondition(rowTags.count == vectors.count, "\(rowTags.count) tags for \(vectors.count) vectors")
        let bytes = master.encoded(vectors)
        let stored = master.elementType == .f32 ? vectors : decoded(bytes, count: vectors.count)
        return try write(master: bytes, codes: codes.encoded(stored), tags: rowTags, count: vectors.count)
    }

    /// Appends copies of each range of rows (as stored, bit for bit) to every file and
    /// syncs them once; returns where each range's copy went. Rows that fail their checksum or
    /// are not finite unit vectors are not copied: that is an error (`repair` drops them).
    func appendCopies(of ranges: [Range<Int>]) throws -> [Range<Int>] {
        try verify(ranges)
        var masterBytes: [UInt8] = []
        var codeBytes: [UInt8] = []
        var tagBytes: [UInt8] = []
        var placed: [Range<Int>] = []
        var next = rowCount
        for rows in ranges {
            masterBytes += try master.read(rows)
            codeBytes += try codes.read(rows)
            tagBytes += try tags.read(rows)
            placed.append(next..<(next + rows.count))
            next += rows.count
        }
        _ = try write(master: masterBytes, codes: codeBytes, tags: tagBytes, count: next - rowCount)
        return placed
    }

    private func write(master masterBytes: [UInt8], codes codeBytes: [UInt8], tags tagBytes: [UInt8],
                       count: Int) throws -> Range<Int> {
        precondition(missingTags.isEmpty, "tags must be filled in before rows are appended")
        let first = master.rowCount
        let rows = try master.write(masterBytes, count: count)
        do {
            _ = try codes.write(codeBytes, count: count)
            try tags.write(tagBytes)
            try sums.append(rows: masterBytes, first: first, count: count, stride: master.header.rowStride)
            try master.sync()
            try codes.sync()
            try tags.sync()
            try sums.sync()
        } catch {
            try? master.truncate(toRows: first)
            if codes.rowCount > first { try? codes.truncate(toRows: first) }
            if tags.rowCount > first { try? tags.truncate(toRows: first) }
            sums.forget(after: first)
            throw error
        }
        return rows
    }

    /// Checks that `ranges` of the master hold what was written: every row matches its
    /// checksum (when it has one) and is a finite unit vector.
    func verify(_ ranges: [Range<Int>]) throws {
        let stride = master.header.rowStride
        let entries = sums.contents.entries
        for range in ranges where !range.isEmpty {
            let bytes = try master.read(range)
            let sums = RowChecksums.overlapping(range, in: entries)
            try bytes.withUnsafeBytes { raw in
                for i in 0..<range.count {
                    let row = range.lowerBound + i
                    let start = raw.baseAddress! + i * stride
                    if let sum = sums.first(where: { $0.rows.contains(row) }),
                       CRC32C.checksum(UnsafeRawBufferPointer(start: start, count: stride)) != sum.crc(ofRow: row) {
                        throw MMSearchError(.fatal, "row \(row) of vector file \(master.url.path) does not match its "
                                            + "checksum", reason: .indexDamaged)
                    }
                    if let fault = StoredRow.fault(start, type: master.elementType, dimension: master.dimension) {
                        throw MMSearchError(.fatal, "row \(row) of vector file \(master.url.path) is \(fault.description)",
                                            reason: .indexDamaged)
                    }
                }
            }
        }
    }

    /// Master rows in their stored format, as f32 vectors.
    private func decoded(_ bytes: [UInt8], count: Int) -> [[Float]] {
        let d = master.dimension
        let stride = master.header.rowStride
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { i in
                let row = raw.baseAddress! + i * stride
                switch master.elementType {
                case .f32:
                    return Array(UnsafeBufferPointer(start: row.assumingMemoryBound(to: Float.self), count: d))
                case .f16:
                    var out = [Float](repeating: 0, count: d)
                    out.withUnsafeMutableBufferPointer {
                        mms_f16_to_f32(row.assumingMemoryBound(to: UInt16.self), $0.baseAddress!, d)
                    }
                    return out
                case .int8:
                    preconditionFailure("the master vector file holds f32 or f16 rows")
                }
            }
        }
    }
}
