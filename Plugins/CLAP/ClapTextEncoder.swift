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

    /// The tokenizer stops at its budget (`<s>` and `</s>` aside), so a count equal to it
    /// means "at least that many": the budget is one less.
    public var textChunking: TextChunking? {
        let tokenizer = model.tokenizer
        return TextChunking(maxTokens: tokenizer.maxLength - 3) { tokenizer.encode($0).count - 2 }
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embed(batch: [input])[0].get()
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        var results = [Result<[Float], Error>](repeating: .failure(EncoderError("not embedded")), count: batch.count)
        var texts: [String] = []
        var positions: [Int] = []
        for (i, input) in batch.enumerated() {
            if case .text(let text) = input {
                texts.append(text)
                positions.append(i)
            } else {
                results[i] = .failure(EncoderError("\(info.name) embeds text, not \(input)"))
            }
        }
        do {
            for (p, v) in zip(positions, try model.embed(texts: texts)) { results[p] = .success(v) }
        } catch {
            for p in positions { results[p] = .failure(error) }
        }
        return results
    }
}
