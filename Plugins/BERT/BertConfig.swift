import Foundation
import MMTensor

/// A BERT checkpoint's `config.json` (Hugging Face `BertConfig`), with its own key names.
public struct BertConfig: Decodable, Sendable {
    public let hidden_size: Int
    public let num_hidden_layers: Int
    public let num_attention_heads: Int
    public let intermediate_size: Int
    public let max_position_embeddings: Int
    public let type_vocab_size: Int
    public let vocab_size: Int
    public let layer_norm_eps: Double
    public let hidden_act: String
    public let position_embedding_type: String?

    public var headDim: Int { hidden_size / num_attention_heads }

    /// The feed-forward activation `hidden_act` names (GELU, the one checked); the error names
    /// `file` and the key.
    public func activation(file: String = "config.json") throws -> HiddenActivation {
        try HiddenActivation(hidden_act, key: "hidden_act", file: file, supported: [.gelu])
    }

    /// Reads and checks `config.json` (every key above but `position_embedding_type` is
    /// required); errors name the file and the key.
    public static func load(_ url: URL) throws -> BertConfig {
        let config = try ConfigJSON.load(BertConfig.self, from: url, kind: "BERT config.json")
        try config.validate(file: url.lastPathComponent)
        return config
    }

    /// Checks what the network relies on: every size positive and within `ModelLimits` (so a
    /// file cannot ask for no layers, or for a product that overflows), the heads dividing the
    /// hidden size, a usable epsilon; errors name `file` and the key.
    public func validate(file: String = "config.json") throws {
        try ConfigCheck.textTransformer(.init(vocab_size: vocab_size, hidden_size: hidden_size,
                                              num_hidden_layers: num_hidden_layers, num_attention_heads: num_attention_heads,
                                              intermediate_size: intermediate_size,
                                              max_position_embeddings: max_position_embeddings,
                                              type_vocab_size: type_vocab_size, layer_norm_eps: layer_norm_eps,
                                              endTokens: "[CLS] and [SEP]"),
                                        in: "", file: file)
        _ = try activation(file: file)
        guard (position_embedding_type ?? "absolute") == "absolute" else {
            throw WeightsError(file, "position_embedding_type \(position_embedding_type ?? "") is not supported (absolute only)")
        }
    }
}
