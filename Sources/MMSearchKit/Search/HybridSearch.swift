/// How a hybrid search result ranked: its place in the vector ranking and in the keyword
/// (BM25) ranking, and the fused score it was ordered by.
public struct FusionRanks: Sendable, Equatable, Codable {
    /// The reciprocal rank fusion score, `Σ 1/(k + rank)` over the rankings the result is in.
    public let score: Double
    /// 1-based place in the vector ranking; nil when not among its first `HybridSearch.depth`.
    public let vectorRank: Int?
    /// 1-based place in the keyword ranking; nil when its words did not match.
    public let keywordRank: Int?

    public init(score: Double, vectorRank: Int?, keywordRank: Int?) {
        self.score = score
        self.vectorRank = vectorRank
        self.keywordRank = keywordRank
    }

    enum CodingKeys: String, CodingKey {
        case score
        case vectorRank = "vector_rank"
        case keywordRank = "keyword_rank"
    }
}

/// Hybrid search: the vector ranking and a BM25 ranking of the query's words (over path
/// names, stored labels and text chunks, see `TextSearchIndex`) fused by reciprocal rank
/// fusion (Cormack, Clarke & Büttcher, SIGIR 2009):
///
///     fused(d) = Σ_{rankings r containing d} 1 / (k + rank_r(d)),   k = 60
///
/// over the first `depth(limit)` results of each ranking. A file whose name holds the exact
/// word asked for is near the top of the keyword ranking, so it is among the results even when
/// the vectors rank it far down. Ties go to the better vector rank, then the lower row.
public enum HybridSearch {
    /// RRF's constant, as in the paper.
    public static let k = 60.0

    /// How deep each ranking is read for `limit` results.
    public static func depth(limit: Int) -> Int { max(100, 4 * limit) }

    /// Fuses two rankings of rows (best first) and returns the `limit` best rows with their ranks.
    static func fuse(vector: [Int], keyword: [Int], limit: Int) -> [(row: Int, ranks: FusionRanks)] {
        var ranks: [Int: (vector: Int?, keyword: Int?)] = [:]
        for (i, row) in vector.enumerated() where ranks[row]?.vector == nil {
            ranks[row, default: (nil, nil)].vector = i + 1
        }
        for (i, row) in keyword.enumerated() where ranks[row]?.keyword == nil {
            ranks[row, default: (nil, nil)].keyword = i + 1
        }
        let fused = ranks.map { row, r -> (row: Int, ranks: FusionRanks) in
            let score = [r.vector, r.keyword].compactMap { $0 }.reduce(0.0) { $0 + 1 / (k + Double($1)) }
            return (row, FusionRanks(score: score, vectorRank: r.vector, keywordRank: r.keyword))
        }
        return Array(fused.sorted { a, b in
            if a.ranks.score != b.ranks.score { return a.ranks.score > b.ranks.score }
            let va = a.ranks.vectorRank ?? .max, vb = b.ranks.vectorRank ?? .max
            if va != vb { return va < vb }
            return a.row < b.row
        }.prefix(limit))
    }
}

extension IndexReader {
    /// The `limit` best results of the vector ranking for `vector` fused with the keyword
    /// ranking of `texts`' words (see `HybridSearch`), each with its cosine score and its ranks.
    /// The filters of `options` apply to both rankings; `minimumScore` and `cutoff` to the vector
    /// ranking only.
    public func hybridSearch(_ vector: [Float], texts: [String], limit: Int,
                             options: SearchOptions = SearchOptions()) throws -> [SearchHit] {
        try checkDimension(vector)
        guard limit > 0 else { return [] }
        let depth = HybridSearch.depth(limit: limit)
        return try reader.read { snapshot in
            var (dense, _) = try snapshot.nearest(vector, k: depth, options: options)
            if let minimum = try leastScore(vector, best: dense.first?.score, options: options, in: snapshot) {
                dense.removeAll { $0.score < minimum }
            }
            let keyword = try snapshot.keywordMatches(texts, limit: depth, options: options)
            // Rows are fused, then each file keeps its best-fused part (unless `allChunks`).
            let fused = HybridSearch.fuse(vector: dense.map(\.row), keyword: keyword,
                                          limit: options.allChunks ? limit : 2 * depth)
            let denseScores = Dictionary(dense.map { ($0.row, $0.score) }, uniquingKeysWith: { a, _ in a })
            var hits: [SearchHit] = []
            var seen = Set<String>()
            for entry in fused where hits.count < limit {
                let score = try denseScores[entry.row] ?? snapshot.score(vector, row: entry.row)
                guard var hit = try snapshot.hit(row: entry.row, score: score) else { continue }
                guard options.allChunks || seen.insert(hit.path).inserted else { continue }
                hit.fusion = entry.ranks
                hits.append(hit)
            }
            return options.order.sorted(try Self.withBestParts(hits, query: vector, in: snapshot))
        }
    }
}
