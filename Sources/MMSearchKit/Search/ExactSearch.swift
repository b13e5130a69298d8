/// Exact nearest-neighbour search: the dot product of the query with every live row.
enum ExactSearch {
    /// The `k` rows among `live` (ascending row numbers, each `< rows.count / dimension`)
    /// with the highest dot product with `query`, best first.
    static func topK(query: [Float], rows: UnsafeBufferPointer<Float>, dimension: Int,
                     live: [Int], k: Int) -> [TopK.Entry] {
        precondition(query.count == dimension, "query of \(query.count) values in a \(dimension)-d space")
        var top = TopK(k: k)
        guard let base = rows.baseAddress, k > 0 else { return [] }
        query.withUnsafeBufferPointer { q in
            guard let q = q.baseAddress else { return }
            for row in live {
                let score = DotProduct.dot(q, base + row * dimension, count: dimension)
                if score >= top.threshold { top.insert(row: row, score: score) }
            }
        }
        return top.sorted()
    }
}
