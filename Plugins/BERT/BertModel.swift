import MMTensor

/// The BERT encoder (Devlin et al. 2019) as in Hugging Face `modeling_bert.py`: token + position
/// + segment embeddings, layer norm, then the post-norm transformer layers (`BertTransformer`).
/// Produces the last hidden state for every token.
public struct BertModel: Sendable {
    public let config: BertConfig

    private let embeddings: BertEmbeddings
    private let encoder: BertTransformer

    /// Reads the checkpoint. Keys may carry a `bert.` prefix (BertForX checkpoints) or not.
    public init(config: BertConfig, weights root: Weights) throws {
        let w = root.contains("embeddings.word_embeddings.weight") ? root : root.scoped("bert")
        let h = config.hidden_size
        self.config = config
        embeddings = try BertEmbeddings(w.scoped("embeddings"), vocabularySize: config.vocab_size,
                                        maxPositions: config.max_position_embeddings,
                                        tokenTypes: config.type_vocab_size, hidden: h, eps: config.layer_norm_eps)
        encoder = try BertTransformer(w.scoped("encoder"), layers: config.num_hidden_layers, hidden: h,
                                  intermediate: config.intermediate_size, heads: config.num_attention_heads,
                                  eps: config.layer_norm_eps, activation: config.activation())
    }

    private enum Slot: Int { case hidden = 5 }  // BertTransformer.firstFreeSlot

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
        // Embeddings: word + token type 0 + position 0, 1, 2, …, then layer norm.
        embeddings(batch, seqLen: seqLen, positionIDs: { Array(0..<$0.count) }, into: x)

        encoder(x, batch: batch.count, seqLen: seqLen, lengths: lengths, arena: arena)
        return body(x, seqLen, lengths)
    }
}
