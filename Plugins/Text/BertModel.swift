import MMTensor

/// The BERT encoder (Devlin et al. 2019) as in Hugging Face `modeling_bert.py`: token + position
/// + segment embeddings, layer norm, then the post-norm transformer layers (`BertEncoder`).
/// Produces the last hidden state for every token.
public struct BertModel: Sendable {
    public let config: BertConfig

    private let wordEmbeddings: [Float]      // [vocab, H]
    private let positionEmbeddings: [Float]  // [maxPos, H]
    private let tokenTypeEmbedding: [Float]  // row 0 of [types, H]: single-sentence input
    private let embeddingNorm: LayerNorm
    private let encoder: BertEncoder

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
        encoder = try BertEncoder(w.scoped("encoder"), layers: config.num_hidden_layers, hidden: h,
                                  intermediate: config.intermediate_size, heads: config.num_attention_heads,
                                  eps: config.layer_norm_eps, activation: config.activation())
    }

    private enum Slot: Int { case hidden = 5 }  // BertEncoder.firstFreeSlot

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

        encoder(x, batch: batch.count, seqLen: seqLen, lengths: lengths, arena: arena)
        return body(x, seqLen, lengths)
    }
}
