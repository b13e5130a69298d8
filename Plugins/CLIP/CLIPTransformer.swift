import MMTensor

/// The transformer both CLIP towers use (`CLIPTransformer` in transformers' modeling_clip.py):
/// pre-norm layers, each
///
///     x = x + out_proj(attention(layer_norm1(x)))
///     x = x + fc2(act(fc1(layer_norm2(x))))
///
/// with `act` QuickGELU or GELU as the config says. The text tower's attention is causal.
struct CLIPTransformer: Sendable {
    let hidden: Int
    let intermediate: Int
    let heads: Int
    let causal: Bool
    let activation: HiddenActivation
    private let layers: [Layer]

    /// One `CLIPEncoderLayer`.
    private struct Layer: Sendable {
        let norm1: LayerNorm
        let qkv: Linear            // self_attn.{q,k,v}_proj, fused into one product
        let outProjection: Linear
        let norm2: LayerNorm
        let fc1: Linear
        let fc2: Linear

        init(_ w: Weights, hidden h: Int, intermediate: Int, eps: Float) throws {
            let attention = w.scoped("self_attn")
            norm1 = try LayerNorm(w.scoped("layer_norm1"), dim: h, eps: eps)
            qkv = try Linear(fusing: ["q_proj", "k_proj", "v_proj"], of: attention, inFeatures: h, outFeatures: h)
            outProjection = try Linear(attention.scoped("out_proj"), inFeatures: h, outFeatures: h)
            norm2 = try LayerNorm(w.scoped("layer_norm2"), dim: h, eps: eps)
            fc1 = try Linear(w.scoped("mlp.fc1"), inFeatures: h, outFeatures: intermediate)
            fc2 = try Linear(w.scoped("mlp.fc2"), inFeatures: intermediate, outFeatures: h)
        }
    }

    /// Reads `layers.0` … `layers.{count-1}` of an `encoder` view.
    init(_ w: Weights, layers count: Int, hidden: Int, intermediate: Int, heads: Int, eps: Double,
         activation: HiddenActivation, causal: Bool) throws {
        self.hidden = hidden
        self.intermediate = intermediate
        self.activation = activation
        self.heads = heads
        self.causal = causal
        layers = try (0..<count).map {
            try Layer(w.scoped("layers.\($0)"), hidden: hidden, intermediate: intermediate, eps: Float(eps))
        }
    }

    /// Arena slots this type uses; the towers use slots from `firstFreeSlot` on.
    private enum Slot: Int { case normed, qkv, context, intermediate, scores }
    static let firstFreeSlot = 5

    /// Runs every layer over `x`, `[batch · seqLen, hidden]` in place. Sequence `b` has
    /// `lengths[b]` real tokens; the rows after them are padding, seen by no real token.
    ///
    /// `onlyToken`: when the caller reads only this token of each sequence afterwards (the
    /// vision tower pools the class token), the last layer runs its output projection and MLP
    /// for that token alone (all tokens' keys and values still feed its attention); the other
    /// rows of `x` then hold the previous layer's output. Token `onlyToken`'s values are those
    /// of the full computation.
    func callAsFunction(_ x: UnsafeMutablePointer<Float>, batch: Int, seqLen: Int, lengths: [Int],
                        arena: ScratchArena, onlyToken: Int? = nil) {
        let h = hidden, rows = batch * seqLen
        let normed = arena.buffer(Slot.normed.rawValue, count: rows * h)
        let qkv = arena.buffer(Slot.qkv.rawValue, count: rows * 3 * h)
        let context = arena.buffer(Slot.context.rawValue, count: rows * h)
        let inner = arena.buffer(Slot.intermediate.rawValue, count: rows * intermediate)
        let scores = arena.buffer(Slot.scores.rawValue, count: MultiHeadAttention.scratchCount(seqLen: seqLen))
        let attention = MultiHeadAttention(heads: heads, headDim: h / heads, causal: causal)
        for (index, layer) in layers.enumerated() {
            // Attention sub-layer, pre-norm: x += W_o · attn(LN1(x)).
            normed.update(from: x, count: rows * h)
            layer.norm1(normed, rows: rows)
            layer.qkv.forward(normed, rows: rows, into: qkv)
            attention.forward(q: qkv, k: qkv + h, v: qkv + 2 * h, ld: 3 * h,
                              batch: batch, seqLen: seqLen, lengths: lengths,
                              out: context, ldOut: h, scratch: scores)
            if let token = onlyToken, index == layers.count - 1, (0..<seqLen).contains(token) {
                finish(layer, token: token, x: x, batch: batch, seqLen: seqLen, context: context,
                       picked: qkv, normed: normed, inner: inner)
                return
            }
            layer.outProjection.accumulate(context, rows: rows, into: x)
            // Feed-forward sub-layer, pre-norm: x += fc2(act(fc1(LN2(x)))).
            normed.update(from: x, count: rows * h)
            layer.norm2(normed, rows: rows)
            layer.fc1.forward(normed, rows: rows, into: inner)
            activation(inner, count: rows * intermediate)
            layer.fc2.accumulate(inner, rows: rows, into: x)
        }
    }

    /// The rest of the last layer for token `token` of each sequence only: its context rows and
    /// residual rows are gathered (into `context`'s first rows and `picked`), go through the
    /// output projection and the MLP, and are written back to their rows of `x`.
    private func finish(_ layer: Layer, token: Int, x: UnsafeMutablePointer<Float>, batch: Int, seqLen: Int,
                        context: UnsafeMutablePointer<Float>, picked: UnsafeMutablePointer<Float>,
                        normed: UnsafeMutablePointer<Float>, inner: UnsafeMutablePointer<Float>) {
        let h = hidden
        for b in 0..<batch {
            let row = b * seqLen + token
            // Row b <= row, and rows are taken in increasing order: no source is overwritten
            // before it is read.
            if row != b { (context + b * h).update(from: context + row * h, count: h) }
            (picked + b * h).update(from: x + row * h, count: h)
        }
        layer.outProjection.accumulate(context, rows: batch, into: picked)
        normed.update(from: picked, count: batch * h)
        layer.norm2(normed, rows: batch)
        layer.fc1.forward(normed, rows: batch, into: inner)
        activation(inner, count: batch * intermediate)
        layer.fc2.accumulate(inner, rows: batch, into: picked)
        for b in 0..<batch { (x + (b * seqLen + token) * h).update(from: picked + b * h, count: h) }
    }
}
