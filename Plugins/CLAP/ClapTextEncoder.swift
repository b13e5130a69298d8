import MMSearchKit
import MMTensor

/// The `clap-htsat` pack's text encoder: RoBERTa's byte-level BPE and CLAP's text tower,
/// projected into the shared space.
public struct ClapTextEncoder: Encoder {
    public let info: EncoderInfo
    public let model: ClapModel

    public init(model: ClapModel, space: SpaceID) {
        precondition(space.dimension == model.dimension)
        self.model = model
        info = EncoderInfo(name: "clap-text", version: "1", modality: .text, space: space, fileExtensions: [])
    }

    /// RoBERTa reads `maxLength` tokens with `<s>` and `</s>`; the host cuts documents into
    /// chunks that fit.
    public var textChunking: TextChunking? {
        let tokenizer = model.tokenizer
        return .wrapped(maxLength: tokenizer.maxLength) { tokenizer.encode($0).count }
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embedText(input)
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        embedTexts(batch) { try model.embed(texts: $0) }
    }
}
