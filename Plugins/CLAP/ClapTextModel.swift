import Foundation
import MMTensor
import MMBERT

/// CLAP's text tower (`ClapTextModel` in transformers' modeling_clap.py): RoBERTa.
///
/// Embeddings are word + token type 0 + a learned position, layer-normed. Positions follow
/// RoBERTa (`create_position_ids_from_input_ids`): a token that is not `<pad>` gets
/// `pad_token_id` + its count of non-pad tokens so far (2, 3, … with `<pad>` = 1); a `<pad>`
/// gets `pad_token_id`. Then BERT's post-norm layers (`BertTransformer`: `x = LN(x + attn(x))`,
/// `x = LN(x + W₂ gelu(W₁ x))`) and the pooler, `tanh(W · h₀)` of the first token (`<s>`).
public struct ClapTextModel: Sendable {
    public let config: ClapTextConfig

    private let embeddings: BertEmbeddings
    private let encoder: BertTransformer
    private let pooler: Linear

    /// Reads a `text_model` view of the checkpoint.
    public init(config: ClapTextConfig, weights w: Weights) throws {
        let h = config.hidden_size
        self.config = config
        embeddings = try BertEmbeddings(w.scoped("embeddings"), vocabularySize: config.vocab_size,
                                        maxPositions: config.max_position_embeddings,
                                        tokenTypes: config.type_vocab_size, hidden: h, eps: config.layer_norm_eps)
        encoder = try BertTransformer(w.scoped("encoder"), layers: config.num_hidden_layers, hidden: h,
                                  intermediate: config.intermediate_size, heads: config.num_attention_heads,
                                  eps: config.layer_norm_eps, activation: config.activation())
        pooler = try Linear(w.scoped("pooler.dense"), inFeatures: h, outFeatures: h)
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
        guard !ids.isEmpty else { throw InputError("no token ids") }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocab_size }) {
            throw InputError("token id \(bad) is outside the vocabulary of \(config.vocab_size)")
        }
        if let last = positionIDs(ids).max(), last >= config.max_position_embeddings {
            throw InputError("\(ids.count) token ids need position \(last): the text model has \(config.max_position_embeddings)")
        }
    }

    private enum Slot: Int { case hidden = 5, first }  // from BertTransformer.firstFreeSlot

    /// The pooled feature of each (validated) id sequence, written as rows of `out`
    /// (`[batch.count, hidden]`). Sequences are padded to the longest; the padding mask keeps
    /// padding out of every real token's view.
    func pooled(_ batch: [[Int32]], arena: ScratchArena, into out: UnsafeMutablePointer<Float>) {
        let h = config.hidden_size
        let lengths = batch.map(\.count)
        let seqLen = lengths.max() ?? 0
        guard seqLen > 0 else { return }
        let rows = batch.count * seqLen
        let x = arena.buffer(Slot.hidden.rawValue, count: rows * h)

        embeddings(batch, seqLen: seqLen, positionIDs: positionIDs, into: x)

        encoder(x, batch: batch.count, seqLen: seqLen, lengths: lengths, arena: arena)
        // The pooler reads the first token of each sequence.
        let first = arena.buffer(Slot.first.rawValue, count: batch.count * h)
        for b in batch.indices { (first + b * h).update(from: x + b * seqLen * h, count: h) }
        pooler.forward(first, rows: batch.count, into: out)
        for i in 0..<(batch.count * h) { out[i] = tanh(out[i]) }
    }
}
