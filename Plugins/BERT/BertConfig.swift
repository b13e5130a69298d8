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
        try ConfigCheck.counts(["vocab_size": (vocab_size, ModelLimits.vocabulary),
                                "hidden_size": (hidden_size, ModelLimits.width),
                                "num_hidden_layers": (num_hidden_layers, ModelLimits.layers),
                                "num_attention_heads": (num_attention_heads, ModelLimits.heads),
                                "intermediate_size": (intermediate_size, ModelLimits.width),
                                "max_position_embeddings": (max_position_embeddings, ModelLimits.sequence),
                                "type_vocab_size": (type_vocab_size, ModelLimits.vocabulary)],
                               in: "", file: file)
        guard max_position_embeddings >= 2 else {
            throw WeightsError(file, "max_position_embeddings \(max_position_embeddings) leaves no room for [CLS] and [SEP]")
        }
        guard hidden_size % num_attention_heads == 0 else {
            throw WeightsError(file, "hidden_size \(hidden_size) is not a multiple of num_attention_heads \(num_attention_heads)")
        }
        try ConfigCheck.activation(max_position_embeddings * max(3 * hidden_size, intermediate_size),
                                   "max_position_embeddings \(max_position_embeddings) × the widest layer \(max(3 * hidden_size, intermediate_size))",
                                   file: file)
        try ConfigCheck.value(layer_norm_eps, above: 0, atMost: 1, key: "layer_norm_eps", file: file)
        _ = try activation(file: file)
        guard (position_embedding_type ?? "absolute") == "absolute" else {
            throw WeightsError(file, "position_embedding_type \(position_embedding_type ?? "") is not supported (absolute only)")
        }
    }
}
