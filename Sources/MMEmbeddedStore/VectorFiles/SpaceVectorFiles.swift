import MMSearchKit
import CVectorKernels
import Foundation

/// Writes the vectors of one space: the master vector file (f32 or f16: what exact search and
/// rescoring read), its int8 twin (what the fast scan reads) and its tag file (each row's
/// modality), kept in step row for row.
///
/// The twin is derived data: it quantises the master's rows as stored (after f16 rounding),
/// and opening repairs it from the master when a crash left it shorter or longer. Tags come
/// from the catalog: `missingTags` says which rows the opener must fill in.
final class SpaceVectorFiles {
    let master: VectorFileWriter
    let codes: VectorFileWriter
    let tags: RowTagWriter

    /// Rows in the master vector file.
    var rowCount: Int { master.rowCount }

    init(masterURL: URL, codesURL: URL, tagsURL: URL, dimension: Int, elementType: VectorElementType,
         fingerprint: String) throws {
        precondition(elementType != .int8, "the master vector file holds f32 or f16 rows")
        master = try VectorFileWriter(url: masterURL, dimension: dimension, elementType: elementType,
                                         fingerprint: fingerprint)
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

    /// Appends copies of each range of rows (as stored, bit for bit) to both files and
    /// syncs them once; returns where each range's copy went.
    func appendCopies(of ranges: [Range<Int>]) throws -> [Range<Int>] {
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
            try master.sync()
            try codes.sync()
            try tags.sync()
        } catch {
            try? master.truncate(toRows: first)
            if codes.rowCount > first { try? codes.truncate(toRows: first) }
            if tags.rowCount > first { try? tags.truncate(toRows: first) }
            throw error
        }
        return rows
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
