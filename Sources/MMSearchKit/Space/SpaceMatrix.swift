import MMTensor

/// The stored vectors of a space's files in memory, one unit vector per file (a text file's
/// chunks averaged, see `IndexReader.vector(of:)`), row-major: what duplicate finding and the
/// space's statistics work on.
public struct SpaceMatrix: Sendable {
    public let items: [IndexedItem]
    public let dimension: Int
    /// `items.count × dimension` floats.
    public let values: [Float]

    public init(items: [IndexedItem], dimension: Int, values: [Float]) {
        precondition(values.count == items.count * dimension)
        self.items = items
        self.dimension = dimension
        self.values = values
    }

    public var count: Int { items.count }

    /// The cosines of rows `rows` with columns (rows too) `columns`, in tiles of at most
    /// `tile` columns: `body(columnRange, scores)` gets each tile, `scores[r · width + c]` for
    /// row `rows.lowerBound + r` and column `columnRange.lowerBound + c`, `width` being the
    /// tile's column count. Each tile is one OpenBLAS product on the calling thread (far more
    /// multiply-adds per load than one row's dot products); callers parallelise over row blocks.
    func scores(rows: Range<Int>, columns: Range<Int>, tile: Int = 4096,
                _ body: (Range<Int>, UnsafePointer<Float>) -> Void) {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        let d = dimension, width = min(max(1, tile), columns.count)
        var buffer = [Float](repeating: 0, count: rows.count * width)
        values.withUnsafeBufferPointer { v in
            buffer.withUnsafeMutableBufferPointer { out in
                let base = v.baseAddress!
                for start in stride(from: columns.lowerBound, to: columns.upperBound, by: width) {
                    let part = start..<min(columns.upperBound, start + width)
                    BLAS.gemm(transB: true, m: rows.count, n: part.count, k: d,
                              a: base + rows.lowerBound * d, lda: d, b: base + start * d, ldb: d,
                              c: out.baseAddress!, ldc: part.count, threads: 1)
                    body(part, UnsafePointer(out.baseAddress!))
                }
            }
        }
    }

    /// Row blocks for `scores`: `blockRows` rows each, the last one shorter.
    func rowBlocks(_ blockRows: Int = 64) -> [Range<Int>] {
        stride(from: 0, to: count, by: blockRows).map { $0..<min(count, $0 + blockRows) }
    }

    /// The rows `picked` (in that order) as a matrix of their own.
    func subset(_ picked: [Int]) -> SpaceMatrix {
        var out: [Float] = []
        out.reserveCapacity(picked.count * dimension)
        for i in picked { out += values[(i * dimension)..<((i + 1) * dimension)] }
        return SpaceMatrix(items: picked.map { items[$0] }, dimension: dimension, values: out)
    }
}
