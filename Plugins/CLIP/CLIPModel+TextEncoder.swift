import MMSearchKit
import MMTensor

/// The `clip-vit-b32` pack's text encoder is `TextEncoder(name: "clip-text", model: model, …)`.
extension CLIPModel: TextEmbeddingModel {
    /// CLIP's context: `<|startoftext|>` and `<|endoftext|>` included.
    public var tokenLimit: Int { tokenizer.contextLength }
    public func tokenCount(_ text: String) -> Int { tokenizer.encode(text).count }
    public func textVectors(_ texts: [String]) throws -> [[Float]] { try embed(texts: texts, arena: ScratchArena()) }
}
