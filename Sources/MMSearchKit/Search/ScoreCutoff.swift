import Foundation

/// An answer that knows when to stop: each query keeps only the results that stand out from
/// that query's scores over the whole space, instead of one fixed score for every query (a
/// fixed minimum is too strict for some queries and too lax for others).
///
/// For a query `q`, its scores against a fixed, seeded sample of the space's files (at most
/// `sampleSize`, `IndexReader.cutoffSample`; a file of several rows by its best one, as a
/// search scores it) give the background: their median `m` and robust spread
/// `σ = 1.4826 · MAD` (the median absolute deviation, scaled to a normal distribution's standard
/// deviation; a few relevant files among the sample move neither). A result is kept when its
/// score `s` passes all three of
///
///     s ≥ m + deviations · σ       it stands out from the space (a robust z-score)
///     s ≥ best − spread · σ        it stands with the query's best result, not in the tail
///     s ≥ floor                    a cosine no match of the pack is below
///
/// so a query whose best result stands out by less than `deviations` σ (nothing like it is
/// indexed) keeps nothing. The defaults are measured on two labelled sets with the `lite` pack
/// (`Scripts/bench/cutoff.sh`: Media/ and 290 photos from Debian's Tux Paint stamps), where they
/// beat the best single fixed minimum of each set on F1.
public struct AutomaticCutoff: Sendable, Equatable {
    /// How many robust standard deviations above the sample's median a result must be.
    public var deviations: Float
    /// How many robust standard deviations below the query's best result a result may be.
    public var spread: Float
    /// The lowest cosine a kept result may have.
    public var floor: Float

    public init(deviations: Float = 3, spread: Float = 1.5, floor: Float = 0.42) {
        self.deviations = deviations
        self.spread = spread
        self.floor = floor
    }

    /// The files of the sample that gives each query its background (a seeded choice, the same
    /// for every query and every store: `IndexReader.cutoffSample`).
    public static let sampleSize = 2_000
    /// Fewer sampled scores than this tell nothing about a distribution: only `floor` applies.
    public static let minimumSample = 8

    /// The lowest score a result of a query keeps: `sample` is the query's scores against the
    /// sample, `best` its best result's score (a best result below the threshold: nothing kept).
    public func threshold(sample: [Float], best: Float) -> Float {
        guard sample.count >= Self.minimumSample else { return floor }
        let background = RobustSpread(sample)
        return max(floor, background.median + deviations * background.sigma, best - spread * background.sigma)
    }
}

/// The median and the robust standard deviation (1.4826 · median absolute deviation) of scores.
public struct RobustSpread: Sendable, Equatable {
    public let median: Float
    public let sigma: Float

    public init(_ values: [Float]) {
        precondition(!values.isEmpty, "a spread of no values")
        let median = Self.median(values)
        self.median = median
        // A flat sample (every score equal) spreads by nothing; a tiny sigma keeps the
        // z-scores finite and the rules meaningful (only the equals of the best pass).
        sigma = max(1.4826 * Self.median(values.map { abs($0 - median) }), 1e-6)
    }

    /// How many robust standard deviations `score` lies above the median.
    public func z(_ score: Float) -> Float { (score - median) / sigma }

    static func median(_ values: [Float]) -> Float {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
