import Foundation
import MMSearchKit
import MMTensor

/// The `lite` pack's text encoder: all-MiniLM-L6-v2 through `SentenceEncoder`, behind the
/// plugin protocol.
public struct MiniLMTextEncoder: Encoder {
    public let info: EncoderInfo
    public let sentences: SentenceEncoder

    public init(sentences: SentenceEncoder, space: SpaceID) {
        precondition(space.dimension == sentences.dimension)
        self.sentences = sentences
        self.info = EncoderInfo(name: "all-MiniLM-L6-v2", version: "1", modality: .text,
                                space: space, fileExtensions: [])
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embedText(input)
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        embedTexts(batch) { sentences.encode($0) }
    }
}
