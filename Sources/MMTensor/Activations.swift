import CKernels
import Foundation

/// Element-wise and row-wise operations on raw `Float` buffers.
///
/// Deliberately not `@inlinable`: each call covers a whole buffer, so a call costs nothing, and
/// Swift 6.3's optimiser loses the writes of a cross-module inlined kernel into an array built
/// from a literal (seen in release builds of the tests).
public enum Ops {
    /// The erf-based GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))` (BERT's "gelu", PyTorch's
    /// default), within 1.4e-6 of the exact value (`mm_gelu`).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        mm_gelu(x, count)
    }

    /// `x · sigmoid(1.702 x)`: the "quick GELU" of OpenAI's CLIP.
    public static func quickGELU(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = v / (1 + exp(-1.702 * v))
        }
    }

    /// `min(max(x, 0), 6)`.
    public static func relu6(_ x: UnsafeMutablePointer<Float>, count: Int) {
        mm_relu6(x, count)
    }

    /// `y += x`.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        mm_add(x, y, count)
    }

    /// Softmax over each of `rows` rows of `cols` values, in place; each row's sum is 1.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil) {
        let ld = stride ?? cols
        for r in 0..<rows {
            let row = x + r * ld
            var m = -Float.infinity
            for j in 0..<cols { m = max(m, row[j]) }
            var sum: Float = 0
            for j in 0..<cols {
                let e = exp(row[j] - m)
                row[j] = e
                sum += e
            }
            let inv = 1 / sum
            for j in 0..<cols { row[j] *= inv }
        }
    }

    /// Layer normalisation over the last dimension of a `rows × dim` matrix, in place:
    /// `(x - mean) / sqrt(var + eps) · gamma + beta`, with the biased variance as PyTorch uses.
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, dim: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        let invDim = 1 / Float(dim)
        for r in 0..<rows {
            let row = x + r * dim
            var mean: Float = 0
            for j in 0..<dim { mean += row[j] }
            mean *= invDim
            var variance: Float = 0
            for j in 0..<dim {
                let d = row[j] - mean
                variance += d * d
            }
            variance *= invDim
            let inv = 1 / (variance + eps).squareRoot()
            for j in 0..<dim { row[j] = (row[j] - mean) * inv * gamma[j] + beta[j] }
        }
    }

    /// Scales a vector to unit L2 norm (left as is when its norm is 0).
    public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var s: Float = 0
        for i in 0..<count { s += x[i] * x[i] }
        guard s > 0 else { return }
        let inv = 1 / s.squareRoot()
        for i in 0..<count { x[i] *= inv }
    }

    /// Unit-length copy of a vector (PyTorch's `F.normalize` with its eps of 1e-12 on the norm).
    public static func l2Normalized(_ v: [Float]) -> [Float] {
        var s: Double = 0
        for x in v { s += Double(x) * Double(x) }
        let norm = max(s.squareRoot(), 1e-12)
        return v.map { Float(Double($0) / norm) }
    }
}
