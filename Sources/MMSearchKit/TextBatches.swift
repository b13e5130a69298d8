extension Encoder {
    /// `embed(batch:)` for a text encoder: the batch's texts go to `embedTexts` in one call, in
    /// order (its vectors come back in that order); any other input fails with a message naming
    /// the encoder. An error from `embedTexts` fails every text of the batch.
    public func embedTexts(_ batch: [EncoderInput],
                           _ embedTexts: ([String]) throws -> [[Float]]) -> [Result<[Float], Error>] {
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
            let vectors = try embedTexts(texts)
            guard vectors.count == texts.count else {
                throw EncoderError("\(info.name) returned \(vectors.count) vectors for \(texts.count) texts")
            }
            for (p, v) in zip(positions, vectors) { results[p] = .success(v) }
        } catch {
            for p in positions { results[p] = .failure(error) }
        }
        return results
    }

    /// `embed(_:)` for a text encoder, through `embed(batch:)`.
    public func embedText(_ input: EncoderInput) throws -> [Float] {
        try embed(batch: [input])[0].get()
    }
}
