import MMSearchKit

extension MiniLMTextEncoder {
    /// The model reads `maxLength` tokens with `[CLS]` and `[SEP]`; the host cuts documents
    /// into chunks that fit. The tokenizer stops at that budget, so a count of
    /// `maxLength - 2` means "at least that many": the budget is one less, and a text that
    /// counts more is too long for sure.
    public var textChunking: TextChunking? {
        let tokenizer = sentences.tokenizer
        return TextChunking(maxTokens: tokenizer.maxLength - 3) { tokenizer.encode($0).count - 2 }
    }
}
