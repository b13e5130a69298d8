import CVectorKernels

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

    /// The dot products of row `i` with rows `range`, into `out` (SIMD kernel).
    func dots(_ i: Int, _ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        guard !range.isEmpty else { return }
        values.withUnsafeBufferPointer { v in
            let base = v.baseAddress!
            mms_dot_f32(base + i * dimension, base + range.lowerBound * dimension, dimension,
                        dimension, range.count, out)
        }
    }

    /// The rows `picked` (in that order) as a matrix of their own.
    func subset(_ picked: [Int]) -> SpaceMatrix {
        var out: [Float] = []
        out.reserveCapacity(picked.count * dimension)
        for i in picked { out += values[(i * dimension)..<((i + 1) * dimension)] }
        return SpaceMatrix(items: picked.map { items[$0] }, dimension: dimension, values: out)
    }
}

extension IndexReader {
    /// Every file's vector (see `SpaceMatrix`), in one read of the catalog.
    public func matrix() throws -> SpaceMatrix {
        let all = try items()
        return try withSnapshot { _, search in
            var items: [IndexedItem] = []
            var values: [Float] = []
            values.reserveCapacity(all.count * space.dimension)
            for item in all {
                var vectors: [[Float]] = []
                for row in item.rows where row < search.master.rowCount {
                    if let vector = search.master.vector(at: row) { vectors.append(vector) }
                }
                guard vectors.count == item.rows.count, !vectors.isEmpty else { continue }
                guard let vector = vectors.count == 1 ? vectors[0] : UnitVector.mean(vectors) else { continue }
                items.append(item)
                values += vector
            }
            return SpaceMatrix(items: items, dimension: space.dimension, values: values)
        }
    }
}
