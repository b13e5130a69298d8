import MMSearchKit

extension MiniLMTextEncoder {
    /// The model reads `maxLength` tokens with `[CLS]` and `[SEP]`; the host cuts documents
    /// into chunks that fit.
    public var textChunking: TextChunking? {
        let tokenizer = sentences.tokenizer
        return .wrapped(maxLength: tokenizer.maxLength) { tokenizer.encode($0).count }
    }
}
