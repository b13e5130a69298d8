import Foundation
import MMTensor

/// A sentence-transformers model of the all-MiniLM-L6-v2 kind: WordPiece tokenizer, BERT, mean
/// pooling over the real tokens, L2 normalisation — the vector `SentenceTransformer.encode`
/// returns.
public final class SentenceTransformer: Sendable {
    public let tokenizer: WordPieceTokenizer
    public let model: BertModel
    public var dimension: Int { model.config.hidden_size }

    /// Sentences per forward pass; texts are sorted by length first so little is padding.
    public let batchSize: Int

    /// Loads a sentence-transformers model directory (`config.json`, `model.safetensors`,
    /// `tokenizer.json`, `sentence_bert_config.json`, `1_Pooling/config.json`).
    ///
    /// Every file is checked against the others at load: the tokenizer's ids against
    /// `vocab_size`, the pooling's dimension against `hidden_size`, the sequence length against
    /// the position embeddings; errors name the file and the key.
    public init(directory: URL, batchSize: Int = 32) throws {
        let config = try BertConfig.load(directory.appendingPathComponent("config.json"))
        let st = try SentenceBertConfig.load(directory, hiddenSize: config.hidden_size)
        let maxLength = min(st.max_seq_length, config.max_position_embeddings)
        tokenizer = try WordPieceTokenizer(contentsOf: directory.appendingPathComponent("tokenizer.json"),
                                           maxLength: maxLength)
        try tokenizer.largestID.check(rows: config.vocab_size, configFile: "config.json", configKey: "vocab_size")
        let weights = try SafeTensors(url: directory.appendingPathComponent("model.safetensors"))
        model = try BertModel(config: config, weights: Weights(weights))
        self.batchSize = max(1, batchSize)
    }

    /// Unit-length sentence embeddings, one per text, in order.
    public func encode(_ texts: [String], arena: ScratchArena = ScratchArena()) -> [[Float]] {
        let ids = texts.map { tokenizer.encode($0) }
        var out = [[Float]](repeating: [], count: texts.count)
        let order = ids.indices.sorted { ids[$0].count < ids[$1].count }
        let h = dimension
        for members in Self.batches(order.map { ids[$0].count }, limit: batchSize).map({ $0.map { order[$0] } }) {
            model.forward(members.map { ids[$0] }, arena: arena) { hidden, seqLen, lengths in
                for (b, index) in members.enumerated() {
                    // Mean over the real tokens (attention mask = 1), then L2 normalisation.
                    var v = [Float](repeating: 0, count: h)
                    for t in 0..<lengths[b] {
                        let row = hidden + (b * seqLen + t) * h
                        for j in 0..<h { v[j] += row[j] }
                    }
                    let inv = 1 / Float(lengths[b])
                    for j in 0..<h { v[j] *= inv }
                    out[index] = Ops.l2Normalized(v)
                }
            }
        }
        return out
    }

    /// Splits ascending `lengths` into runs of at most `limit` whose padded size (count × the
    /// longest) stays within 25 % of their real tokens, so short texts never pay for a long one.
    static func batches(_ lengths: [Int], limit: Int) -> [[Int]] {
        var batches: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for (i, length) in lengths.enumerated() {
            let padded = (current.count + 1) * length
            if !current.isEmpty && (current.count == limit || Double(padded) > 1.25 * Double(tokens + length)) {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(i)
            tokens += length
        }
        if !current.isEmpty { batches.append(current) }
        return batches
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
