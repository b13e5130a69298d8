/// Scaled dot-product multi-head attention over a batch of padded sequences.
///
/// Queries, keys and values are row-major `[batch · seqLen, ld]` matrices whose head `h` lives in
/// columns `h·headDim ..< (h+1)·headDim` (the usual projection layout, so Q, K and V may be
/// slices of one fused QKV product). Sequence `b` has `lengths[b]` real tokens; keys beyond that
/// are padding and get no attention (the padding mask). With `causal`, query `i` sees keys
/// `0...i` only. The output has the same layout, `[batch · seqLen, ldOut]`.
public struct MultiHeadAttention {
    public let heads: Int
    public let headDim: Int
    public let causal: Bool

    public init(heads: Int, headDim: Int, causal: Bool = false) {
        self.heads = heads
        self.headDim = headDim
        self.causal = causal
    }

    /// Scratch floats `forward` needs for sequences of `seqLen` tokens.
    public static func scratchCount(seqLen: Int) -> Int { seqLen * seqLen }

    public func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
        batch: Int, seqLen: Int, lengths: [Int],
        out: UnsafeMutablePointer<Float>, ldOut: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        precondition(lengths.count == batch)
        let scale = 1 / Float(headDim).squareRoot()
        for b in 0..<batch {
            let len = lengths[b]
            precondition(len >= 1 && len <= seqLen)
            let rowBase = b * seqLen
            for h in 0..<heads {
                let col = h * headDim
                let qh = q + rowBase * ld + col
                let kh = k + rowBase * ld + col
                let vh = v + rowBase * ld + col
                // scores[seqLen × len] = scale · Q_h · K_hᵀ over the real keys only.
                BLAS.gemm(transB: true, m: seqLen, n: len, k: headDim, alpha: scale,
                          a: qh, lda: ld, b: kh, ldb: ld, c: scratch, ldc: len)
                if causal {
                    for i in 0..<seqLen {
                        let row = scratch + i * len
                        let visible = min(i + 1, len)
                        Ops.softmaxRows(row, rows: 1, cols: visible)
                        for j in visible..<len { row[j] = 0 }
                    }
                } else {
                    Ops.softmaxRows(scratch, rows: seqLen, cols: len)
                }
                // context[seqLen × headDim] = P · V_h
                BLAS.gemm(m: seqLen, n: headDim, k: len,
                          a: scratch, lda: len, b: vh, ldb: ld,
                          c: out + rowBase * ldOut + col, ldc: ldOut)
            }
        }
    }
}
