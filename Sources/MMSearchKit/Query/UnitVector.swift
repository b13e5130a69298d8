/// The one way mmsearch turns several vectors into one: the unit vector along their weighted
/// sum, summed in double precision. Query terms (`QueryExpression.combine`), a file of several
/// chunks or passages (their mean), a label's prompt templates and a file's stored rows all
/// go through it.
public enum UnitVector {
    /// `Σ weights[i]·vectors[i]` (every weight 1 when `weights` is nil) scaled to unit length;
    /// nil when there are no vectors or the sum is (nearly) zero: the vectors cancel out.
    /// The vectors have one dimension.
    public static func weightedSum(_ vectors: [[Float]], weights: [Float]? = nil) -> [Float]? {
        precondition(weights == nil || weights?.count == vectors.count, "one weight per vector")
        guard let dimension = vectors.first?.count else { return nil }
        var sum = [Double](repeating: 0, count: dimension)
        for (i, vector) in vectors.enumerated() {
            precondition(vector.count == dimension, "vectors of different dimensions")
            let weight = Double(weights?[i] ?? 1)
            for j in 0..<dimension { sum[j] += weight * Double(vector[j]) }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 1e-6, norm.isFinite else { return nil }
        return sum.map { Float($0 / norm) }
    }

    /// The mean direction of `vectors`: their sum at unit length (nil as `weightedSum`).
    public static func mean(_ vectors: [[Float]]) -> [Float]? { weightedSum(vectors) }
}
