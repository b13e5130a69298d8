import MMSearchKit
import MMTensor

/// The `clip-vit-b32` pack's text encoder: CLIP's BPE tokenizer and text transformer,
/// projected into the shared space.
public struct CLIPTextEncoder: Encoder {
    public let info: EncoderInfo
    public let model: CLIPModel

    public init(model: CLIPModel, space: SpaceID) {
        precondition(space.dimension == model.dimension)
        self.model = model
        info = EncoderInfo(name: "clip-text", version: "1", modality: .text, space: space, fileExtensions: [])
    }

    /// CLIP reads 77 tokens with `<|startoftext|>` and `<|endoftext|>`; the host cuts
    /// documents into chunks that fit.
    public var textChunking: TextChunking? {
        let tokenizer = model.tokenizer
        return .wrapped(maxLength: tokenizer.contextLength) { tokenizer.encode($0).count }
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embedText(input)
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        embedTexts(batch) { try model.embed(texts: $0) }
    }
}
