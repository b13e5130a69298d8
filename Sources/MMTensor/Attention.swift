/// Scaled dot-product multi-head attention over a batch of sequences, padded or packed
/// (`SequenceLayout`).
///
/// Queries, keys and values are row-major `[rows, ld]` matrices whose head `h` lives in
/// columns `h·headDim ..< (h+1)·headDim` (the usual projection layout, so Q, K and V may be
/// slices of one fused QKV product). Sequence `b` has `lengths[b]` real tokens; keys beyond that
/// are padding and get no attention (the padding mask). With `causal`, query `i` sees keys
/// `0...i` only. The output has the same layout, `[rows, ldOut]`.
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

    /// `forward(…, layout:)` over `batch` sequences each padded to `seqLen` rows.
    public func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
        batch: Int, seqLen: Int, lengths: [Int],
        out: UnsafeMutablePointer<Float>, ldOut: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        precondition(lengths.count == batch)
        forward(q: q, k: k, v: v, ld: ld, layout: .padded(lengths, to: seqLen), out: out, ldOut: ldOut,
                scratch: scratch)
    }

    /// Attention of each sequence of `layout` over its own real tokens. A sequence's rows give
    /// the same numbers whatever else is in the batch and wherever it lies: the products of one
    /// sequence are the same calls as for that sequence alone. `scratch` holds
    /// `scratchCount(seqLen: layout.longestSpan)` floats.
    public func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
        layout: SequenceLayout,
        out: UnsafeMutablePointer<Float>, ldOut: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let scale = 1 / Float(headDim).squareRoot()
        for b in layout.lengths.indices {
            let len = layout.lengths[b], span = layout.spans[b]
            precondition(len >= 1 && len <= span)
            let rowBase = layout.starts[b]
            for h in 0..<heads {
                let col = h * headDim
                let qh = q + rowBase * ld + col
                let kh = k + rowBase * ld + col
                let vh = v + rowBase * ld + col
                // scores[span × len] = scale · Q_h · K_hᵀ over the real keys only.
                BLAS.gemm(transB: true, m: span, n: len, k: headDim, alpha: scale,
                          a: qh, lda: ld, b: kh, ldb: ld, c: scratch, ldc: len)
                if causal {
                    for i in 0..<span {
                        let row = scratch + i * len
                        let visible = min(i + 1, len)
                        Ops.softmaxRows(row, rows: 1, cols: visible)
                        for j in visible..<len { row[j] = 0 }
                    }
                } else {
                    Ops.softmaxRows(scratch, rows: span, cols: len)
                }
                // context[span × headDim] = P · V_h
                BLAS.gemm(m: span, n: headDim, k: len,
                          a: scratch, lda: len, b: vh, ldb: ld,
                          c: out + rowBase * ldOut + col, ldc: ldOut)
            }
        }
    }
}

/// Where the sequences of a batch lie in the rows of a `[rows, width]` activation matrix.
/// Sequence `b` has `lengths[b]` real tokens at rows `starts[b] ..< starts[b] + lengths[b]`, and
/// `spans[b]` rows reserved: padded, every sequence has the longest's rows (the rows past its end
/// are padding, seen by no real token); packed, sequences follow one another with no padding,
/// so a batch of texts of different lengths costs only their tokens.
public struct SequenceLayout: Sendable, Equatable {
    public let lengths: [Int]
    public let starts: [Int]
    public let spans: [Int]
    /// Rows of the whole batch.
    public let rows: Int

    private init(lengths: [Int], spans: [Int]) {
        self.lengths = lengths
        self.spans = spans
        var starts: [Int] = []
        var row = 0
        for span in spans {
            starts.append(row)
            row += span
        }
        self.starts = starts
        rows = row
    }

    /// Each sequence padded to `seqLen` rows (at least the longest length).
    public static func padded(_ lengths: [Int], to seqLen: Int) -> SequenceLayout {
        precondition(lengths.allSatisfy { $0 <= seqLen }, "a sequence longer than \(seqLen)")
        return SequenceLayout(lengths: lengths, spans: lengths.map { _ in seqLen })
    }

    /// Sequences one after another, no padding.
    public static func packed(_ lengths: [Int]) -> SequenceLayout {
        SequenceLayout(lengths: lengths, spans: lengths)
    }

    /// The most rows one sequence takes (what attention's scratch is sized by).
    public var longestSpan: Int { spans.max() ?? 0 }
}
