import MMSearchKit

/// The `lite` pack's text encoder is `TextEncoder(name: "all-MiniLM-L6-v2", model: sentences, …)`.
extension SentenceTransformer: TextEmbeddingModel {
    /// `[CLS]` and `[SEP]` included.
    public var tokenLimit: Int { tokenizer.maxLength }
    public func tokenCount(_ text: String) -> Int { tokenizer.encode(text).count }
    public func textVectors(_ texts: [String]) throws -> [[Float]] { encode(texts) }
}
