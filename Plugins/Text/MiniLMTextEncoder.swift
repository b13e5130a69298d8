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
        guard case .text(let text) = input else {
            throw EncoderError("all-MiniLM-L6-v2 embeds text, not \(input)")
        }
        return sentences.encode([text])[0]
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        var texts: [String] = []
        var positions: [Int] = []
        var results = [Result<[Float], Error>](repeating: .failure(EncoderError("not embedded")), count: batch.count)
        for (i, input) in batch.enumerated() {
            if case .text(let t) = input {
                texts.append(t)
                positions.append(i)
            } else {
                results[i] = .failure(EncoderError("all-MiniLM-L6-v2 embeds text, not \(input)"))
            }
        }
        for (p, v) in zip(positions, sentences.encode(texts)) { results[p] = .success(v) }
        return results
    }
}
