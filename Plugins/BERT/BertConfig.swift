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
        let name = url.lastPathComponent
        let config = try ConfigJSON.load(BertConfig.self, from: url, kind: "BERT config.json")
        _ = try config.activation(file: name)
        guard (config.position_embedding_type ?? "absolute") == "absolute" else {
            throw WeightsError(name, "only absolute position embeddings are supported")
        }
        guard config.num_attention_heads > 0, config.hidden_size % config.num_attention_heads == 0 else {
            throw WeightsError(name, "hidden_size is not a multiple of num_attention_heads")
        }
        return config
    }
}
