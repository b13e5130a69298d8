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
    /// documents into chunks that fit. The tokenizer stops at that budget, so a count equal
    /// to it means "at least that many": the budget is one less.
    public var textChunking: TextChunking? {
        let tokenizer = model.tokenizer
        return TextChunking(maxTokens: tokenizer.contextLength - 3) { tokenizer.encode($0).count - 2 }
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
