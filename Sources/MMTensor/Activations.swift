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

    /// `x · sigmoid(1.702 x)`: the "quick GELU" of OpenAI's CLIP (`mm_quick_gelu`).
    public static func quickGELU(_ x: UnsafeMutablePointer<Float>, count: Int) {
        mm_quick_gelu(x, count)
    }

    /// `min(max(x, 0), 6)`.
    public static func relu6(_ x: UnsafeMutablePointer<Float>, count: Int) {
        mm_relu6(x, count)
    }

    /// `y += x`.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        mm_add(x, y, count)
    }

    /// Softmax over each of `rows` rows of `cols` values, in place; each row's sum is 1
    /// (`mm_softmax_rows`).
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil) {
        mm_softmax_rows(x, Int32(rows), Int32(cols), Int32(stride ?? cols))
    }

    /// Layer normalisation over the last dimension of a `rows × dim` matrix, in place:
    /// `(x - mean) / sqrt(var + eps) · gamma + beta`, with the biased variance as PyTorch uses.
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, dim: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        mm_layer_norm(x, Int32(rows), Int32(dim), gamma, beta, eps)
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
