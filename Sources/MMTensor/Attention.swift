import Synchronization
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

    /// Scratch floats `forward` needs for sequences of `seqLen` tokens: one score matrix for each
    /// of the `BLAS.threads` threads it may use.
    public static func scratchCount(seqLen: Int) -> Int { seqLen * seqLen * max(1, BLAS.threads) }

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
        // Each (sequence, head) pair is one task, with its own score matrix: on up to
        // `BLAS.threads` threads, each taking the next pair, every product on one thread (they
        // are small), so the numbers are those of one thread.
        let pairs = layout.lengths.count * heads
        let threads = min(max(1, BLAS.threads), pairs)
        let matrix = layout.longestSpan * layout.longestSpan
        let (qa, ka, va) = (UInt(bitPattern: q), UInt(bitPattern: k), UInt(bitPattern: v))
        let (outAddress, scratchAddress) = (UInt(bitPattern: out), UInt(bitPattern: scratch))
        let next = Atomic<Int>(0)
        let (heads, headDim, causal) = (self.heads, self.headDim, self.causal)
        BLAS.forEachBlock(threads, threads: threads) { worker in
            let scratch = UnsafeMutablePointer<Float>(bitPattern: scratchAddress)! + worker * matrix
            let (q, k, v) = (UnsafePointer<Float>(bitPattern: qa)!, UnsafePointer<Float>(bitPattern: ka)!,
                             UnsafePointer<Float>(bitPattern: va)!)
            let out = UnsafeMutablePointer<Float>(bitPattern: outAddress)!
            while true {
                let pair = next.add(1, ordering: .relaxed).oldValue
                guard pair < pairs else { return }
                let (b, h) = pair.quotientAndRemainder(dividingBy: heads)
                let len = layout.lengths[b], span = layout.spans[b]
                precondition(len >= 1 && len <= span)
                let rowBase = layout.starts[b], col = h * headDim
                let qh = q + rowBase * ld + col
                let kh = k + rowBase * ld + col
                let vh = v + rowBase * ld + col
                // scores[span × len] = scale · Q_h · K_hᵀ over the real keys only.
                BLAS.gemm(transB: true, m: span, n: len, k: headDim, alpha: scale,
                          a: qh, lda: ld, b: kh, ldb: ld, c: scratch, ldc: len, threads: 1)
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
                          c: out + rowBase * ldOut + col, ldc: ldOut, threads: 1)
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
