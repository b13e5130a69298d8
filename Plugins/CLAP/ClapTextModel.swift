import Foundation
import MMSearchKit
import MMTensor

/// CLAP's text tower (`ClapTextModel` in transformers' modeling_clap.py): RoBERTa.
///
/// Embeddings are word + token type 0 + a learned position, layer-normed. Positions follow
/// RoBERTa (`create_position_ids_from_input_ids`): a token that is not `<pad>` gets
/// `pad_token_id` + its count of non-pad tokens so far (2, 3, … with `<pad>` = 1); a `<pad>`
/// gets `pad_token_id`. Then post-norm BERT layers (`x = LN(x + attn(x))`,
/// `x = LN(x + W₂ gelu(W₁ x))`) and the pooler, `tanh(W · h₀)` of the first token (`<s>`).
public struct ClapTextModel: Sendable {
    public let config: ClapTextConfig

    private let wordEmbeddings: [Float]      // [vocab, H]
    private let positionEmbeddings: [Float]  // [max_position_embeddings, H]
    private let tokenTypeEmbedding: [Float]  // row 0 of [type_vocab_size, H]
    private let embeddingNorm: LayerNorm
    private let layers: [Layer]
    private let pooler: Linear
    private let activation: HiddenActivation

    /// One `ClapTextLayer` (a BERT layer).
    private struct Layer: Sendable {
        let qkv: Linear            // attention.self.{query,key,value}, fused
        let attentionOutput: Linear
        let attentionNorm: LayerNorm
        let intermediate: Linear
        let output: Linear
        let outputNorm: LayerNorm

        init(_ w: Weights, _ c: ClapTextConfig) throws {
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

    /// Reads a `text_model` view of the checkpoint.
    public init(config: ClapTextConfig, weights w: Weights) throws {
        let h = config.hidden_size
        self.config = config
        let e = w.scoped("embeddings")
        wordEmbeddings = try e.tensor("word_embeddings.weight", shape: [config.vocab_size, h])
        positionEmbeddings = try e.tensor("position_embeddings.weight", shape: [config.max_position_embeddings, h])
        tokenTypeEmbedding = Array(try e.tensor("token_type_embeddings.weight", shape: [config.type_vocab_size, h])[0..<h])
        embeddingNorm = try LayerNorm(e.scoped("LayerNorm"), dim: h, eps: Float(config.layer_norm_eps))
        layers = try (0..<config.num_hidden_layers).map { try Layer(w.scoped("encoder.layer.\($0)"), config) }
        pooler = try Linear(w.scoped("pooler.dense"), inFeatures: h, outFeatures: h)
        activation = try config.activation()
    }

    /// RoBERTa's position ids of a sequence (see the type's description).
    public func positionIDs(_ ids: [Int32]) -> [Int] {
        let pad = Int32(truncatingIfNeeded: config.pad_token_id)
        var count = 0
        return ids.map { id in
            guard id != pad else { return config.pad_token_id }
            count += 1
            return config.pad_token_id + count
        }
    }

    /// Checks ids the way the model needs them: at least one, each a row of the word embedding,
    /// and positions inside the position embedding.
    public func validate(_ ids: [Int32]) throws {
        guard !ids.isEmpty else { throw EncoderError("no token ids") }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocab_size }) {
            throw EncoderError("token id \(bad) is outside the vocabulary of \(config.vocab_size)")
        }
        if let last = positionIDs(ids).max(), last >= config.max_position_embeddings {
            throw EncoderError("\(ids.count) token ids need position \(last): the text model has \(config.max_position_embeddings)")
        }
    }

    private enum Slot: Int { case hidden, qkv, context, projected, intermediate, scores }

    /// The pooled feature of each (validated) id sequence, written as rows of `out`
    /// (`[batch.count, hidden]`). Sequences are padded to the longest; the padding mask keeps
    /// padding out of every real token's view.
    func pooled(_ batch: [[Int32]], arena: ScratchArena, into out: UnsafeMutablePointer<Float>) {
        let c = config, h = c.hidden_size
        let lengths = batch.map(\.count)
        let seqLen = lengths.max() ?? 0
        guard seqLen > 0 else { return }
        let rows = batch.count * seqLen
        let x = arena.buffer(Slot.hidden.rawValue, count: rows * h)
        let qkv = arena.buffer(Slot.qkv.rawValue, count: rows * 3 * h)
        let context = arena.buffer(Slot.context.rawValue, count: rows * h)
        let projected = arena.buffer(Slot.projected.rawValue, count: rows * h)
        let inner = arena.buffer(Slot.intermediate.rawValue, count: rows * c.intermediate_size)
        let scores = arena.buffer(Slot.scores.rawValue, count: MultiHeadAttention.scratchCount(seqLen: seqLen))

        wordEmbeddings.withUnsafeBufferPointer { words in
            positionEmbeddings.withUnsafeBufferPointer { positions in
                tokenTypeEmbedding.withUnsafeBufferPointer { type in
                    for (b, ids) in batch.enumerated() {
                        let positionIDs = positionIDs(ids)
                        for t in 0..<seqLen {
                            let row = x + (b * seqLen + t) * h
                            guard t < ids.count else {
                                row.update(repeating: 0, count: h)
                                continue
                            }
                            let word = words.baseAddress! + Int(ids[t]) * h
                            let position = positions.baseAddress! + positionIDs[t] * h
                            // transformers' order: (word + type) + position.
                            for j in 0..<h { row[j] = (word[j] + type[j]) + position[j] }
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
            projected.update(from: x, count: rows * h)
            layer.attentionOutput.accumulate(context, rows: rows, into: projected)
            layer.attentionNorm(projected, rows: rows)
            // Feed-forward sub-layer: x = LN(x + W_2 · act(W_1 · x)).
            layer.intermediate.forward(projected, rows: rows, into: inner)
            activation(inner, count: rows * c.intermediate_size)
            x.update(from: projected, count: rows * h)
            layer.output.accumulate(inner, rows: rows, into: x)
            layer.outputNorm(x, rows: rows)
        }
        // The pooler reads the first token of each sequence.
        let first = arena.buffer(Slot.context.rawValue, count: batch.count * h)
        for b in batch.indices { (first + b * h).update(from: x + b * seqLen * h, count: h) }
        pooler.forward(first, rows: batch.count, into: out)
        for i in 0..<(batch.count * h) { out[i] = tanh(out[i]) }
    }
}
