import MMTensor

/// The BERT encoder (Devlin et al. 2019) as in Hugging Face `modeling_bert.py`: token + position
/// + segment embeddings, layer norm, then post-norm transformer layers. Produces the last hidden
/// state for every token.
public struct BertModel: Sendable {
    public let config: BertConfig

    private let wordEmbeddings: [Float]      // [vocab, H]
    private let positionEmbeddings: [Float]  // [maxPos, H]
    private let tokenTypeEmbedding: [Float]  // row 0 of [types, H]: single-sentence input
    private let embeddingNorm: LayerNorm
    private let layers: [Layer]

    /// One transformer layer (`BertLayer`).
    struct Layer: Sendable {
        let qkv: Linear            // attention.self.{query,key,value}, fused
        let attentionOutput: Linear
        let attentionNorm: LayerNorm
        let intermediate: Linear
        let output: Linear
        let outputNorm: LayerNorm

        init(_ w: Weights, _ c: BertConfig) throws {
            let h = c.hidden_size, eps = Float(c.layer_norm_eps)
            let attention = w.scoped("attention")
            qkv = Linear(concatenating: [
                try Linear(attention.scoped("self.query"), inFeatures: h, outFeatures: h),
                try Linear(attention.scoped("self.key"), inFeatures: h, outFeatures: h),
                try Linear(attention.scoped("self.value"), inFeatures: h, outFeatures: h),
            ])
            attentionOutput = try Linear(attention.scoped("output.dense"), inFeatures: h, outFeatures: h)
            attentionNorm = try LayerNorm(attention.scoped("output.LayerNorm"), dim: h, eps: eps)
            intermediate = try Linear(w.scoped("intermediate.dense"), inFeatures: h, outFeatures: c.intermediate_size)
            output = try Linear(w.scoped("output.dense"), inFeatures: c.intermediate_size, outFeatures: h)
            outputNorm = try LayerNorm(w.scoped("output.LayerNorm"), dim: h, eps: eps)
        }
    }

    /// Reads the checkpoint. Keys may carry a `bert.` prefix (BertForX checkpoints) or not.
    public init(config: BertConfig, weights root: Weights) throws {
        let w = root.contains("embeddings.word_embeddings.weight") ? root : root.scoped("bert")
        let h = config.hidden_size
        self.config = config
        let e = w.scoped("embeddings")
        wordEmbeddings = try e.tensor("word_embeddings.weight", shape: [config.vocab_size, h])
        positionEmbeddings = try e.tensor("position_embeddings.weight", shape: [config.max_position_embeddings, h])
        tokenTypeEmbedding = Array(try e.tensor("token_type_embeddings.weight", shape: [config.type_vocab_size, h])[0..<h])
        embeddingNorm = try LayerNorm(e.scoped("LayerNorm"), dim: h, eps: Float(config.layer_norm_eps))
        layers = try (0..<config.num_hidden_layers).map { try Layer(w.scoped("encoder.layer.\($0)"), config) }
    }

    private enum Slot: Int { case hidden, qkv, context, projected, intermediate, attention }

    /// Runs a batch of token-id sequences (each ≤ `max_position_embeddings`, padded internally to
    /// the longest) and calls `body` with the last hidden states `[batch · seqLen, hidden]`, the
    /// padded length and each sequence's real length.
    public func forward<R>(_ batch: [[Int32]], arena: ScratchArena,
                           _ body: (UnsafePointer<Float>, _ seqLen: Int, _ lengths: [Int]) -> R) -> R {
        let c = config, h = c.hidden_size
        let lengths = batch.map(\.count)
        let seqLen = lengths.max() ?? 0
        precondition(seqLen >= 1 && seqLen <= c.max_position_embeddings, "sequence length \(seqLen)")
        precondition(batch.allSatisfy { $0.allSatisfy { $0 >= 0 && Int($0) < c.vocab_size } })
        let rows = batch.count * seqLen

        let x = arena.buffer(Slot.hidden.rawValue, count: rows * h)
        let qkv = arena.buffer(Slot.qkv.rawValue, count: rows * 3 * h)
        let context = arena.buffer(Slot.context.rawValue, count: rows * h)
        let projected = arena.buffer(Slot.projected.rawValue, count: rows * h)
        let inter = arena.buffer(Slot.intermediate.rawValue, count: rows * c.intermediate_size)
        let scores = arena.buffer(Slot.attention.rawValue, count: MultiHeadAttention.scratchCount(seqLen: seqLen))

        // Embeddings: word + position + token type 0, then layer norm. Padding rows use [PAD] = 0.
        wordEmbeddings.withUnsafeBufferPointer { words in
            positionEmbeddings.withUnsafeBufferPointer { positions in
                tokenTypeEmbedding.withUnsafeBufferPointer { type in
                    for (b, ids) in batch.enumerated() {
                        for t in 0..<seqLen {
                            let row = x + (b * seqLen + t) * h
                            let id = t < ids.count ? Int(ids[t]) : 0
                            let word = words.baseAddress! + id * h
                            let pos = positions.baseAddress! + t * h
                            for j in 0..<h { row[j] = word[j] + pos[j] + type[j] }
                        }
                    }
                }
            }
        }
        embeddingNorm(x, rows: rows)

        let attention = MultiHeadAttention(heads: c.num_attention_heads, headDim: c.headDim)
        for layer in layers {
            // Self-attention sub-layer, post-norm: x = LN(x + W_o · attn(x)).
            layer.qkv.forward(x, rows: rows, into: qkv)
            attention.forward(q: qkv, k: qkv + h, v: qkv + 2 * h, ld: 3 * h,
                              batch: batch.count, seqLen: seqLen, lengths: lengths,
                              out: context, ldOut: h, scratch: scores)
            layer.attentionOutput.forward(context, rows: rows, into: projected)
            Ops.add(x, into: projected, count: rows * h)
            layer.attentionNorm(projected, rows: rows)
            // Feed-forward sub-layer: x = LN(x + W_2 · gelu(W_1 · x)).
            layer.intermediate.forward(projected, rows: rows, into: inter)
            Ops.gelu(inter, count: rows * c.intermediate_size)
            layer.output.forward(inter, rows: rows, into: x)
            Ops.add(projected, into: x, count: rows * h)
            layer.outputNorm(x, rows: rows)
        }
        return body(x, seqLen, lengths)
    }
}
