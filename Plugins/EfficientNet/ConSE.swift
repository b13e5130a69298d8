import Foundation
import MMTensor

/// Convex combination of semantic embeddings (Norouzi et al., ICLR 2014): a classifier's output
/// mapped into a text-embedding space as the probability-weighted sum of the embeddings of its
/// top-T class names, `normalize(Σ_{i ∈ top-T} p_i · e_i)`.
public struct ConSE: Sendable {
    /// Unit-length text embeddings of the class prompts, `[classes × dimension]`.
    public let classEmbeddings: [Float]
    public let classes: Int
    public let dimension: Int
    public let topT: Int

    public init(classEmbeddings: [Float], classes: Int, topT: Int) {
        precondition(classes > 0 && classEmbeddings.count % classes == 0 && topT >= 1)
        self.classEmbeddings = classEmbeddings
        self.classes = classes
        self.dimension = classEmbeddings.count / classes
        self.topT = min(topT, classes)
    }

    /// Softmax probabilities of one row of logits.
    public static func softmax(_ logits: ArraySlice<Float>) -> [Double] {
        let m = Double(logits.max() ?? 0)
        let e = logits.map { exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Indices of the `k` most probable classes, most probable first; ties keep class order.
    public static func top(_ k: Int, of p: [Double]) -> [Int] {
        Array(p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }.prefix(k))
    }

    /// The embedding of one image's logits.
    public func embed(logits: ArraySlice<Float>) -> [Float] {
        precondition(logits.count == classes)
        let p = Self.softmax(logits)
        var v = [Double](repeating: 0, count: dimension)
        classEmbeddings.withUnsafeBufferPointer { e in
            for i in Self.top(topT, of: p) {
                let row = e.baseAddress! + i * dimension
                for j in 0..<dimension { v[j] += p[i] * Double(row[j]) }
            }
        }
        let norm = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return v.map { Float($0 / norm) }
    }
}
