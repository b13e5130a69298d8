import Foundation
import MMTensor

/// A sentence-transformers model of the all-MiniLM-L6-v2 kind: WordPiece tokenizer, BERT, mean
/// pooling over the real tokens, L2 normalisation — the vector `SentenceTransformer.encode`
/// returns.
public final class SentenceTransformer: Sendable {
    public let tokenizer: WordPieceTokenizer
    public let model: BertModel
    public var dimension: Int { model.config.hidden_size }

    /// Sentences per forward pass (packed: a batch costs its tokens, whatever their lengths).
    public let batchSize: Int

    /// Loads a sentence-transformers model directory (`config.json`, `model.safetensors`,
    /// `tokenizer.json`, `sentence_bert_config.json`, `1_Pooling/config.json`).
    ///
    /// Every file is checked against the others at load: the tokenizer's ids against
    /// `vocab_size`, the pooling's dimension against `hidden_size`, the sequence length against
    /// the position embeddings; errors name the file and the key.
    /// `precision`: the number format of the transformer's products (`Precision`).
    public init(directory: URL, batchSize: Int = 32, precision: Precision = .f32) throws {
        let config = try BertConfig.load(directory.appendingPathComponent("config.json"))
        let st = try SentenceBertConfig.load(directory, hiddenSize: config.hidden_size)
        let maxLength = min(st.max_seq_length, config.max_position_embeddings)
        tokenizer = try WordPieceTokenizer(contentsOf: directory.appendingPathComponent("tokenizer.json"),
                                           maxLength: maxLength)
        try tokenizer.largestID.check(rows: config.vocab_size, configFile: "config.json", configKey: "vocab_size")
        let weights = try SafeTensors(url: directory.appendingPathComponent("model.safetensors"))
        model = try BertModel(config: config, weights: Weights(weights, precision: precision))
        self.batchSize = max(1, batchSize)
    }

    /// Unit-length sentence embeddings, one per text, in order. Each text's embedding is the
    /// same numbers whatever else is in `texts` (see `BertModel.forward`).
    public func encode(_ texts: [String], arena: ScratchArena = ScratchArena()) -> [[Float]] {
        let ids = texts.map { tokenizer.encode($0) }
        var out: [[Float]] = []
        out.reserveCapacity(texts.count)
        let h = dimension
        for start in stride(from: 0, to: ids.count, by: batchSize) {
            model.forward(Array(ids[start..<min(start + batchSize, ids.count)]), arena: arena) { hidden, layout in
                for b in layout.lengths.indices {
                    // Mean over the real tokens (attention mask = 1), then L2 normalisation.
                    var v = [Float](repeating: 0, count: h)
                    for t in 0..<layout.lengths[b] {
                        let row = hidden + (layout.starts[b] + t) * h
                        for j in 0..<h { v[j] += row[j] }
                    }
                    let inv = 1 / Float(layout.lengths[b])
                    for j in 0..<h { v[j] *= inv }
                    out.append(Ops.l2Normalized(v))
                }
            }
        }
        return out
    }
}

/// `sentence_bert_config.json` and the pooling module's config, checked for what this encoder
/// implements (mean pooling, then normalisation).
struct SentenceBertConfig: Decodable {
    let max_seq_length: Int
    let do_lower_case: Bool?

    struct Pooling: Decodable {
        let word_embedding_dimension: Int
        let pooling_mode_cls_token: Bool
        let pooling_mode_mean_tokens: Bool
        let pooling_mode_max_tokens: Bool
        let pooling_mode_mean_sqrt_len_tokens: Bool
    }

    /// Reads and checks `sentence_bert_config.json` and `1_Pooling/config.json` for a BERT of
    /// `hiddenSize`; errors name the file and the key.
    static func load(_ directory: URL, hiddenSize: Int) throws -> SentenceBertConfig {
        let name = "sentence_bert_config.json", poolingName = "1_Pooling/config.json"
        let config = try ConfigJSON.decode(SentenceBertConfig.self,
                                           from: ConfigJSON.data(at: directory.appendingPathComponent(name)),
                                           file: name, kind: "sentence-transformers configuration")
        try ConfigCheck.count(config.max_seq_length, atMost: ModelLimits.sequence, key: "max_seq_length", file: name)
        guard config.max_seq_length >= 2 else {
            throw WeightsError(name, "max_seq_length \(config.max_seq_length) leaves no room for [CLS] and [SEP]")
        }
        let pooling = try ConfigJSON.decode(Pooling.self,
                                            from: ConfigJSON.data(at: directory.appendingPathComponent(poolingName)),
                                            file: poolingName, kind: "sentence-transformers pooling configuration")
        guard pooling.pooling_mode_mean_tokens, !pooling.pooling_mode_cls_token,
              !pooling.pooling_mode_max_tokens, !pooling.pooling_mode_mean_sqrt_len_tokens else {
            throw WeightsError(poolingName, "only mean pooling is supported")
        }
        guard pooling.word_embedding_dimension == hiddenSize else {
            throw WeightsError(poolingName, "word_embedding_dimension \(pooling.word_embedding_dimension) is not config.json's hidden_size \(hiddenSize)")
        }
        return config
    }
}
