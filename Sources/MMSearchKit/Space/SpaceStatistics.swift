import Foundation

/// Diagnostics of an embedding space, computed over the stored vectors of its files.
///
/// **Anisotropy** is the mean cosine similarity over all pairs of distinct files
/// (Ethayarajh 2019): near 0 for vectors spread evenly over the sphere, near 1 when they
/// crowd into a narrow cone. For unit vectors it is exact and linear in time:
/// `mean = (‖Σ vᵢ‖² − n) / (n(n − 1))`.
///
/// **Hubness** (Radovanović, Nanopoulos & Ivanović, JMLR 2010) is the skewness of the
/// k-occurrence distribution: `N_k(x)` counts the files that have `x` among their k nearest
/// neighbours (k = 10, cosine, the file itself excluded); its mean is k, and a large positive
/// skewness `E[(N_k − k)³] / σ³` means a few "hubs" show up in everyone's results. It needs
/// every file's neighbours, O(n²·d): above `sampleSize` files it is computed within a fixed
/// pseudo-random sample of that many (seeded, so reruns agree).
public struct SpaceStatistics: Sendable, Equatable {
    public var files: Int
    /// Mean pairwise cosine similarity; nil below two files.
    public var anisotropy: Double?
    /// Skewness of N_k; nil when there are not more than k files (or N_k does not vary).
    public var hubness: Double?
    /// The k of N_k.
    public var k: Int
    /// The files hubness was computed over (all, or the sample).
    public var hubnessFiles: Int
    /// The largest N_k and a file that has it (the biggest hub).
    public var topHub: (path: String, occurrences: Int)?

    public static func == (a: SpaceStatistics, b: SpaceStatistics) -> Bool {
        a.files == b.files && a.anisotropy == b.anisotropy && a.hubness == b.hubness && a.k == b.k
            && a.hubnessFiles == b.hubnessFiles && a.topHub?.path == b.topHub?.path
            && a.topHub?.occurrences == b.topHub?.occurrences
    }

    /// Computes both statistics for `matrix`.
    public static func of(_ matrix: SpaceMatrix, k: Int = 10, sampleSize: Int = 5_000) -> SpaceStatistics {
        var stats = SpaceStatistics(files: matrix.count, anisotropy: anisotropy(matrix), hubness: nil, k: k,
                                    hubnessFiles: 0, topHub: nil)
        let sample = matrix.count > sampleSize ? matrix.subset(Self.sample(matrix.count, size: sampleSize)) : matrix
        stats.hubnessFiles = sample.count
        let occurrences = kOccurrences(sample, k: k)
        stats.hubness = skewness(occurrences.map(Double.init))
        if let best = occurrences.indices.max(by: { occurrences[$0] < occurrences[$1] }) {
            stats.topHub = (sample.items[best].path, occurrences[best])
        }
        return stats
    }

    /// The mean cosine over pairs of distinct rows; nil below two rows.
    public static func anisotropy(_ matrix: SpaceMatrix) -> Double? {
        let n = matrix.count, d = matrix.dimension
        guard n >= 2 else { return nil }
        var sum = [Double](repeating: 0, count: d)
        var squares = 0.0
        for i in 0..<n {
            for j in 0..<d {
                let x = Double(matrix.values[i * d + j])
                sum[j] += x
                squares += x * x
            }
        }
        let total = sum.reduce(0) { $0 + $1 * $1 }
        return (total - squares) / Double(n * (n - 1))
    }

    /// N_k of every row: how many other rows have it among their `k` nearest (ties to the
    /// lower row). Empty when there are not more than `k` rows.
    public static func kOccurrences(_ matrix: SpaceMatrix, k: Int) -> [Int] {
        let n = matrix.count
        guard n > k, k > 0 else { return [] }
        // Each row's k nearest, by row blocks on every core; then the counts.
        let blocks = matrix.rowBlocks()
        let neighbours = StridedParallel.map(count: blocks.count) { index -> [[Int]] in
            let rows = blocks[index]
            var tops = [TopK](repeating: TopK(k: k), count: rows.count)
            matrix.scores(rows: rows, columns: 0..<n) { columns, scores in
                for (r, i) in rows.enumerated() {
                    let line = scores + r * columns.count
                    for (c, j) in columns.enumerated() where j != i { tops[r].insert(row: j, score: line[c]) }
                }
            }
            return tops.map { $0.sorted().map(\.row) }
        }
        var counts = [Int](repeating: 0, count: n)
        for list in neighbours.joined() { for row in list { counts[row] += 1 } }
        return counts
    }

    /// The sample skewness `E[(x − μ)³] / σ³` (population moments); nil when σ = 0 or no values.
    public static func skewness(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let m2 = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let m3 = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) * ($1 - mean) } / n
        guard m2 > 1e-12 else { return nil }
        return m3 / pow(m2, 1.5)
    }

    /// `size` distinct indices below `n`, sorted, by a seeded shuffle (same every run).
    static func sample(_ n: Int, size: Int) -> [Int] {
        var indices = Array(0..<n)
        var state: UInt64 = 0x5eed
        for i in stride(from: n - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let j = Int((state >> 33) % UInt64(i + 1))
            indices.swapAt(i, j)
        }
        return indices.prefix(size).sorted()
    }
}
