import MMSearchKit
import MMTensor

/// The `clap-htsat` pack's text encoder is `TextEncoder(name: "clap-text", model: model, …)`.
extension ClapModel: TextEmbeddingModel {
    /// RoBERTa's budget: `<s>` and `</s>` included.
    public var tokenLimit: Int { tokenizer.maxLength }
    public func tokenCount(_ text: String) -> Int { tokenizer.encode(text).count }
    public func textVectors(_ texts: [String]) throws -> [[Float]] { try embed(texts: texts, arena: ScratchArena()) }
}
