import MMSearchKit
import CVectorKernels

/// Exact scores: the dot product of the query with stored f32 or f16 rows, computed by the C
/// kernels. A row scores the same alone as in a block, so rescoring agrees with a full scan
/// bit for bit.
enum ExactScan {
    /// Rows scored per kernel call.
    static let block = 4096

    /// The scores of `rows` of `file` into `out` (`rows.count` values).
    static func scores(_ query: UnsafePointer<Float>, _ file: MappedVectorFile, rows: Range<Int>,
                       into out: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty else { return }
        let d = file.dimension
        let start = file.row(rows.lowerBound)
        switch file.elementType {
        case .f32:
            mms_dot_f32(query, start.assumingMemoryBound(to: Float.self), d, d, rows.count, out)
        case .f16:
            mms_dot_f16(query, start.assumingMemoryBound(to: UInt16.self), d, d, rows.count, out)
        case .int8:
            preconditionFailure("exact scores come from f32 or f16 rows")
        }
    }

    /// The score of one row stored at `row` (a copy of a row of `file`): the same kernel
    /// as a scan's, so the same score.
    static func score(_ query: UnsafePointer<Float>, _ file: MappedVectorFile,
                      copy row: UnsafeRawPointer) -> Float {
        var out: Float = 0
        let d = file.dimension
        switch file.elementType {
        case .f32: mms_dot_f32(query, row.assumingMemoryBound(to: Float.self), d, d, 1, &out)
        case .f16: mms_dot_f16(query, row.assumingMemoryBound(to: UInt16.self), d, d, 1, &out)
        case .int8: preconditionFailure("exact scores come from f32 or f16 rows")
        }
        return out
    }

    /// The `k` best rows among `rows` that `filter` accepts. A row that is not a finite unit
    /// vector (damaged on disk, see `StoredRow`) is never among them: its norm is checked
    /// before it enters the k best, which costs a dot product per entry, not per row.
    static func topK(_ query: [Float], _ file: MappedVectorFile, rows: Range<Int>,
                     filter: RowFilter, k: Int) -> TopK {
        var top = TopK(k: k)
        guard k > 0, !rows.isEmpty else { return top }
        let d = file.dimension
        let type = file.elementType
        var buffer = [Float](repeating: 0, count: block)
        query.withUnsafeBufferPointer { q in
            buffer.withUnsafeMutableBufferPointer { out in
                var start = rows.lowerBound
                while start < rows.upperBound {
                    let end = min(start + block, rows.upperBound)
                    scores(q.baseAddress!, file, rows: start..<end, into: out.baseAddress!)
                    for i in 0..<(end - start) where out[i] >= top.threshold {
                        let row = start + i
                        if filter.accepts(row), StoredRow.isSound(file.row(row), type: type, dimension: d) {
                            top.insert(row: row, score: out[i])
                        }
                    }
                    start = end
                }
            }
        }
        return top
    }
}
