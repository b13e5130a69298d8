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

    /// Runs a batch of token-id sequences (each ≤ `max_position_embeddings`), packed one after
    /// another with no padding, and calls `body` with the last hidden states
    /// `[layout.rows, hidden]` and where each sequence lies in them. A sequence's hidden states
    /// are the same numbers in any batch as alone (`BertTransformer`), so texts embedded together
    /// (a service's concurrent queries, an index run's chunks) get exactly their own embeddings.
    public func forward<R>(_ batch: [[Int32]], arena: ScratchArena,
                           _ body: (UnsafePointer<Float>, SequenceLayout) -> R) -> R {
        let c = config, h = c.hidden_size
        let layout = SequenceLayout.packed(batch.map(\.count))
        precondition(layout.lengths.allSatisfy { $0 >= 1 && $0 <= c.max_position_embeddings },
                     "sequence lengths \(layout.lengths)")
        precondition(batch.allSatisfy { $0.allSatisfy { $0 >= 0 && Int($0) < c.vocab_size } })

        let x = arena.buffer(Slot.hidden.rawValue, count: layout.rows * h)
        // Embeddings: word + token type 0 + position 0, 1, 2, …, then layer norm.
        embeddings(batch, layout: layout, positionIDs: { Array(0..<$0.count) }, into: x)

        encoder(x, layout: layout, arena: arena)
        return body(x, layout)
    }
}
