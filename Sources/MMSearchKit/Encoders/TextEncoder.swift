/// A text network that the host puts behind the plugin protocol with `TextEncoder`: a tokenizer
/// that wraps every text in two special tokens (`[CLS]` … `[SEP]`, `<s>` … `</s>`, CLIP's start
/// and end of text) and a forward pass that gives one unit vector per text.
public protocol TextEmbeddingModel: Sendable {
    /// Length of the vectors.
    var dimension: Int { get }
    /// The most tokens one input may have, the two special tokens included.
    var tokenLimit: Int { get }
    /// Tokens of `text` with the special tokens; may stop counting at `tokenLimit`.
    func tokenCount(_ text: String) -> Int
    /// One unit vector per text, in order.
    func textVectors(_ texts: [String]) throws -> [[Float]]
}

/// The plugin-protocol side of a text network: every pack's text encoder is one of these, named
/// as the pack wants (the name and version are part of the encoder's fingerprint).
public struct TextEncoder<Model: TextEmbeddingModel>: Encoder {
    public let info: EncoderInfo
    public let model: Model

    /// `settings`: what else changes the model's vectors (`EncoderInfo.settings`), such as its
    /// precision (`InferencePrecision.encoderSettings`).
    public init(name: String, version: String = "1", model: Model, space: SpaceID, settings: String = "") {
        precondition(space.dimension == model.dimension)
        self.model = model
        info = EncoderInfo(name: name, version: version, modality: .text, space: space, fileExtensions: [],
                           settings: settings)
    }

    /// The host cuts documents into chunks that fit the model's token limit.
    public var textChunking: TextChunking? {
        let model = model
        return .wrapped(maxLength: model.tokenLimit) { model.tokenCount($0) }
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embed(batch: [input])[0].get()
    }

    /// The batch's texts go to the model in one call, in order; any other input fails with a
    /// message naming the encoder. An error of the model fails every text of the batch.
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
        guard !texts.isEmpty else { return results }
        do {
            let vectors = try model.textVectors(texts)
            guard vectors.count == texts.count else {
                throw EncoderError("\(info.name) returned \(vectors.count) vectors for \(texts.count) texts")
            }
            for (p, v) in zip(positions, vectors) { results[p] = .success(v) }
        } catch {
            for p in positions { results[p] = .failure(error) }
        }
        return results
    }
}
