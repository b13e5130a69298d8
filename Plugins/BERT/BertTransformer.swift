import MMTensor

/// The post-norm transformer layers of BERT (`BertTransformer` in transformers' modeling_bert.py),
/// which RoBERTa and CLAP's text tower share:
///
///     x = LN₁(x + W_o · attention(x))
///     x = LN₂(x + W₂ act(W₁ x))
///
/// Each residual is added inside the product that makes the sub-layer's output (`beta = 1`).
public struct BertTransformer: Sendable {
    public let hidden: Int
    public let intermediate: Int
    public let heads: Int
    public let activation: HiddenActivation
    private let layers: [Layer]

    /// One `BertLayer`.
    private struct Layer: Sendable {
        let qkv: Linear            // attention.self.{query,key,value}, fused
        let attentionOutput: Linear
        let attentionNorm: LayerNorm
        let intermediate: Linear
        let output: Linear
        let outputNorm: LayerNorm

        init(_ w: Weights, hidden h: Int, intermediate: Int, eps: Float) throws {
            // At int8, blocks of 32 with their own scales: with one scale per row and column,
            // MiniLM's embeddings of 1 200 texts came as far as cosine 0.9906 from f32's; with
            // blocks, 0.9993 (Tests/MMBERTTests/Int8AccuracyTests.swift).
            let w = w.scaled(.perBlock)
            let attention = w.scoped("attention")
            // The attention's projections stay f32 at int8: queries and keys meet in a product
            // that magnifies their rounding. With them at int8, 16 of 1 200 texts' MiniLM
            // embeddings fell below cosine 0.999 to f32 (worst 0.9983, the shortest texts);
            // at f32, none (worst 0.9993; Tests/MMBERTTests/Int8AccuracyTests.swift).
            qkv = try Linear(fusing: ["self.query", "self.key", "self.value"], of: attention.at(.f32),
                             inFeatures: h, outFeatures: h)
            attentionOutput = try Linear(attention.scoped("output.dense"), inFeatures: h, outFeatures: h)
            attentionNorm = try LayerNorm(attention.scoped("output.LayerNorm"), dim: h, eps: eps)
            self.intermediate = try Linear(w.scoped("intermediate.dense"), inFeatures: h, outFeatures: intermediate)
            output = try Linear(w.scoped("output.dense"), inFeatures: intermediate, outFeatures: h)
            outputNorm = try LayerNorm(w.scoped("output.LayerNorm"), dim: h, eps: eps)
        }
    }

    /// Reads `layer.0` … `layer.{count-1}` of an `encoder` view.
    public init(_ w: Weights, layers count: Int, hidden: Int, intermediate: Int, heads: Int, eps: Double,
                activation: HiddenActivation) throws {
        self.hidden = hidden
        self.intermediate = intermediate
        self.heads = heads
        self.activation = activation
        layers = try (0..<count).map {
            try Layer(w.scoped("layer.\($0)"), hidden: hidden, intermediate: intermediate, eps: Float(eps))
        }
    }

    /// Arena slots this type uses; callers use slots from `firstFreeSlot` on.
    private enum Slot: Int { case qkv, context, projected, intermediate, scores }
    public static let firstFreeSlot = 5

    /// Runs every layer over `x`, `[batch · seqLen, hidden]` in place. Sequence `b` has
    /// `lengths[b]` real tokens; the rows after them are padding, seen by no real token.
    public func callAsFunction(_ x: UnsafeMutablePointer<Float>, batch: Int, seqLen: Int, lengths: [Int],
                               arena: ScratchArena) {
        precondition(lengths.count == batch)
        self(x, layout: .padded(lengths, to: seqLen), arena: arena)
    }

    /// Runs every layer over `x`, `[layout.rows, hidden]` in place. Every product but attention
    /// works row by row, and attention sequence by sequence, so a sequence's rows come out the
    /// same whatever else is in the batch.
    public func callAsFunction(_ x: UnsafeMutablePointer<Float>, layout: SequenceLayout, arena: ScratchArena) {
        let h = hidden, rows = layout.rows
        let qkv = arena.buffer(Slot.qkv.rawValue, count: rows * 3 * h)
        let context = arena.buffer(Slot.context.rawValue, count: rows * h)
        let projected = arena.buffer(Slot.projected.rawValue, count: rows * h)
        let inner = arena.buffer(Slot.intermediate.rawValue, count: rows * intermediate)
        let scores = arena.buffer(Slot.scores.rawValue, count: MultiHeadAttention.scratchCount(seqLen: layout.longestSpan))
        let attention = MultiHeadAttention(heads: heads, headDim: h / heads)
        for layer in layers {
            // Self-attention sub-layer: projected = LN₁(x + W_o · attn(x)).
            layer.qkv.forward(x, rows: rows, into: qkv)
            attention.forward(q: qkv, k: qkv + h, v: qkv + 2 * h, ld: 3 * h, layout: layout,
                              out: context, ldOut: h, scratch: scores)
            projected.update(from: x, count: rows * h)
            layer.attentionOutput.accumulate(context, rows: rows, into: projected)
            layer.attentionNorm(projected, rows: rows)
            // Feed-forward sub-layer: x = LN₂(projected + W₂ act(W₁ projected)).
            layer.intermediate.forward(projected, rows: rows, into: inner)
            activation(inner, count: rows * intermediate)
            x.update(from: projected, count: rows * h)
            layer.output.accumulate(inner, rows: rows, into: x)
            layer.outputNorm(x, rows: rows)
        }
    }
}
