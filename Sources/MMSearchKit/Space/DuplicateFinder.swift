/// Near-duplicate files: groups of files whose vectors have cosine similarity at least a
/// threshold, linked transitively (the connected components of the "≥ threshold" graph, by
/// union–find).
///
/// Complexity: every pair of files is compared once, O(n²·d / 2) time, as matrix products of
/// blocks of 64 rows with the rows after them (`SpaceMatrix.scores`), the blocks spread over
/// every core; O(n·d) memory for n files of d dimensions.
public enum DuplicateFinder {
    /// One group of near-duplicates.
    public struct Group: Sendable, Equatable {
        /// Paths, sorted.
        public let paths: [String]
        /// The highest cosine between two of them.
        public let maxScore: Float
        /// The lowest cosine of the links that joined the group.
        public let minScore: Float
    }

    /// How many nearest rows an approximate index is asked for per file: near-duplicates are
    /// each other's nearest neighbours, and a group larger than this is still joined through
    /// its members' links.
    public static let searchWidth = 48

    /// The groups of `matrix` at `threshold`, largest first (then by first path): every pair
    /// compared, or with `candidates` (for each item, the items an approximate index found
    /// near it) only those pairs.
    public static func groups(_ matrix: SpaceMatrix, threshold: Float, candidates: [[Int]]? = nil) -> [Group] {
        let n = matrix.count
        var parent = Array(0..<n)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        // The links (pairs at or above the threshold), found on every core; then union–find.
        let perBlock = candidates.map { candidateLinks(matrix, candidates: $0, threshold: threshold) }
            ?? allLinks(matrix, threshold: threshold)
        var links: [Link] = []
        for link in perBlock.joined() {
            links.append(link)
            let (ri, rj) = (find(link.a), find(link.b))
            if ri != rj { parent[max(ri, rj)] = min(ri, rj) }
        }
        var members: [Int: [Int]] = [:]
        var best: [Int: Float] = [:]
        var worst: [Int: Float] = [:]
        for link in links {
            let root = find(link.a)
            best[root] = max(best[root] ?? -2, link.score)
            worst[root] = min(worst[root] ?? 2, link.score)
        }
        for i in 0..<n where best[find(i)] != nil { members[find(i), default: []].append(i) }
        return members.map { root, rows in
            Group(paths: rows.map { matrix.items[$0].path }.sorted(), maxScore: best[root] ?? 0, minScore: worst[root] ?? 0)
        }.sorted { a, b in a.paths.count != b.paths.count ? a.paths.count > b.paths.count : a.paths[0] < b.paths[0] }
    }

    /// A pair (a < b) of the matrix's items with its cosine.
    private typealias Link = (a: Int, b: Int, score: Float)

    /// Every pair whose cosine reaches `threshold`: each row block's products with the rows
    /// after each row (`SpaceMatrix.scores`), one block per task.
    private static func allLinks(_ matrix: SpaceMatrix, threshold: Float) -> [[Link]] {
        let blocks = matrix.rowBlocks()
        return StridedParallel.map(count: blocks.count) { index -> [Link] in
            let rows = blocks[index]
            var found: [Link] = []
            matrix.scores(rows: rows, columns: (rows.lowerBound + 1)..<matrix.count) { columns, scores in
                for (r, a) in rows.enumerated() {
                    let line = scores + r * columns.count
                    for (c, b) in columns.enumerated() where b > a && line[c] >= threshold {
                        found.append((a, b, line[c]))
                    }
                }
            }
            return found
        }
    }

    /// The pairs among `candidates` whose cosine reaches `threshold`, by exact dot products
    /// of the matrix's rows, per block of items.
    private static func candidateLinks(_ matrix: SpaceMatrix, candidates: [[Int]], threshold: Float) -> [[Link]] {
        let d = matrix.dimension
        let blocks = matrix.rowBlocks(1024)
        return StridedParallel.map(count: blocks.count) { index -> [Link] in
            var found: [Link] = []
            matrix.values.withUnsafeBufferPointer { values in
                for a in blocks[index] {
                    for b in Set(candidates[a]) where b != a {
                        var dot: Float = 0
                        for j in 0..<d { dot += values[a * d + j] * values[b * d + j] }
                        if dot >= threshold { found.append((min(a, b), max(a, b), dot)) }
                    }
                }
            }
            return found
        }
    }
}
