import MMTensor

/// CLIP's text tower (`CLIPTextModel` in transformers' modeling_clip.py): token + position
/// embeddings, the causal pre-norm transformer, the final layer norm, and the hidden state at
/// the end-of-text token as the text's feature.
///
/// Because attention is causal, the pooled state depends only on the tokens up to the pooling
/// position, so only those are run.
public struct CLIPTextTransformer: Sendable {
    public let config: CLIPTextConfig

    private let tokenEmbedding: [Float]     // [vocab_size, hidden]
    private let positionEmbedding: [Float]  // [max_position_embeddings, hidden]
    private let encoder: CLIPTransformer
    private let finalNorm: LayerNorm

    /// Reads a `text_model` view of the checkpoint.
    public init(config: CLIPTextConfig, weights w: Weights) throws {
        let h = config.hidden_size
        self.config = config
        let e = w.scoped("embeddings")
        tokenEmbedding = try e.tensor("token_embedding.weight", shape: [config.vocab_size, h])
        positionEmbedding = try e.tensor("position_embedding.weight", shape: [config.max_position_embeddings, h])
        encoder = try CLIPTransformer(w.scoped("encoder"), layers: config.num_hidden_layers, hidden: h,
                                  intermediate: config.intermediate_size, heads: config.num_attention_heads,
                                  eps: config.layer_norm_eps,
                                  activation: config.activation(), causal: true)
        finalNorm = try LayerNorm(w.scoped("final_layer_norm"), dim: h, eps: Float(config.layer_norm_eps))
    }

    /// Where the text's feature is read, as transformers picks it
    /// (modeling_clip.py, `CLIPTextModel.forward`, after `final_layer_norm`):
    /// the first `eos_token_id` in the ids (position 0 when there is none); but with the
    /// `eos_token_id` of 2 that checkpoints exported before transformers PR #24773 carry, the
    /// first position of the largest id (OpenAI's rule: `<|endoftext|>` has the largest id).
    public func poolingPosition(_ ids: [Int32]) -> Int {
        if config.eos_token_id == 2 {
            var best = 0
            for (i, id) in ids.enumerated() where id > ids[best] { best = i }
            return best
        }
        return ids.firstIndex(of: Int32(truncatingIfNeeded: config.eos_token_id)) ?? 0
    }

    /// Checks ids the way the model needs them: 1 … `max_position_embeddings` of them, each a
    /// row of the token embedding.
    public func validate(_ ids: [Int32]) throws {
        guard !ids.isEmpty, ids.count <= config.max_position_embeddings else {
            throw InputError("\(ids.count) token ids: the text model takes 1 to \(config.max_position_embeddings)")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocab_size }) {
            throw InputError("token id \(bad) is outside the vocabulary of \(config.vocab_size)")
        }
    }

    private enum Slot: Int { case hidden = 5 }  // CLIPTransformer.firstFreeSlot

    /// The pooled, final-normed hidden state of each (validated) id sequence, written as rows of
    /// `out` (`[batch.count, hidden]`). Sequences are padded to the longest pooling position in
    /// the batch; the causal mask keeps padding out of every real token's view.
    func pooled(_ batch: [[Int32]], arena: ScratchArena, into out: UnsafeMutablePointer<Float>) {
        let h = config.hidden_size
        let lengths = batch.map { poolingPosition($0) + 1 }
        let seqLen = lengths.max() ?? 0
        guard seqLen > 0 else { return }
        let x = arena.buffer(Slot.hidden.rawValue, count: batch.count * seqLen * h)
        tokenEmbedding.withUnsafeBufferPointer { tokens in
            positionEmbedding.withUnsafeBufferPointer { positions in
                for (b, ids) in batch.enumerated() {
                    for t in 0..<seqLen {
                        let row = x + (b * seqLen + t) * h
                        guard t < lengths[b] else {
                            row.update(repeating: 0, count: h)
                            continue
                        }
                        let token = tokens.baseAddress! + Int(ids[t]) * h
                        let position = positions.baseAddress! + t * h
                        for j in 0..<h { row[j] = token[j] + position[j] }
                    }
                }
            }
        }
        encoder(x, batch: batch.count, seqLen: seqLen, lengths: lengths, arena: arena)
        // Only the pooled rows need the final (row-wise) layer norm.
        for b in batch.indices {
            (out + b * h).update(from: x + (b * seqLen + lengths[b] - 1) * h, count: h)
        }
        finalNorm(out, rows: batch.count)
    }
}
