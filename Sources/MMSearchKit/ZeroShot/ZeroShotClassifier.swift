import Foundation

/// Zero-shot classification in a pack's shared space: each label becomes a text embedding,
/// and an item's probabilities are a softmax over its cosine similarities with them.
///
/// **Prompt ensembling.** A label is put into each of `templates` (`{}` stands for the label),
/// the prompts are embedded by the pack's text encoder, and the label's vector is the mean of
/// the prompts' unit vectors, renormalised (Radford et al. 2021, §3.1.4).
///
/// **Softmax.** `p(label | item) = exp(cos(item, label)/T) / Σ exp(cos(item, l)/T)` with
/// temperature `T` (the pack's own, `ModelPack.labelTemperature`, unless given).
public struct ZeroShotClassifier: Sendable {
    /// The default prompt templates: CLIP-style photo prompts, and the bare label.
    public static let defaultTemplates = [
        "a photo of a {}.",
        "a picture of a {}.",
        "a photo of the {}.",
        "an image of a {}.",
        "a close-up photo of a {}.",
        "{}",
    ]

    public let labels: [String]
    /// Row-major, one unit vector per label.
    public let labelVectors: [[Float]]
    public let temperature: Float

    /// Embeds `labels` through `templates` with `textEncoder`. Errors: no labels, an empty or
    /// repeated label, a template without `{}`, a temperature that is not positive.
    public init(labels: [String], templates: [String] = defaultTemplates, temperature: Float,
                textEncoder: any Encoder) throws {
        let labels = try Self.checked(labels)
        guard temperature > 0, temperature.isFinite else {
            throw MMSearchError(.usage, "the temperature must be a positive number (got \(temperature))")
        }
        guard !templates.isEmpty else { throw MMSearchError(.usage, "no prompt template given") }
        for template in templates where !template.contains("{}") {
            throw MMSearchError(.usage, "prompt template \"\(template)\" has no {} where the label goes")
        }
        var vectors: [[Float]] = []
        for label in labels {
            let prompts = templates.map { $0.replacingOccurrences(of: "{}", with: label) }
            var embedded: [[Float]] = []
            for (prompt, result) in zip(prompts, textEncoder.embed(batch: prompts.map { .text($0) })) {
                switch result {
                case .success(let vector):
                    guard case .success(let unit) = VectorCheck.validated(vector, dimension: textEncoder.info.space.dimension) else {
                        throw MMSearchError(.inputFailed, "label prompt \"\(prompt)\": the text encoder gave no usable vector")
                    }
                    embedded.append(unit)
                case .failure(let error):
                    throw MMSearchError(.inputFailed, "label prompt \"\(prompt)\": \(error)")
                }
            }
            guard let mean = UnitVector.mean(embedded) else {
                throw MMSearchError(.inputFailed, "label \"\(label)\": the vectors of its prompts cancel out")
            }
            vectors.append(mean)
        }
        self.labels = labels
        labelVectors = vectors
        self.temperature = temperature
    }

    /// Trims labels; refuses an empty list, an empty label and a repeated one.
    static func checked(_ labels: [String]) throws -> [String] {
        let trimmed = labels.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !trimmed.isEmpty else {
            throw MMSearchError(.usage, "no labels given", reason: .noLabels)
        }
        var seen = Set<String>()
        for label in trimmed {
            guard !label.isEmpty else { throw MMSearchError(.usage, "a label is empty (two commas in a row?)") }
            guard seen.insert(label).inserted else { throw MMSearchError(.usage, "label '\(label)' is given twice") }
        }
        return trimmed
    }

    /// Labels from `--labels "a,b,c"`: split at commas.
    public static func parseList(_ list: String) throws -> [String] {
        guard !list.trimmingCharacters(in: .whitespaces).isEmpty else { return try checked([]) }
        return try checked(list.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    /// Labels from a file: one per line; blank lines and lines starting with `#` are skipped.
    public static func readList(_ url: URL) throws -> [String] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw MMSearchError(.usage, "\(url.path): cannot read the labels file (\(error.localizedDescription))")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !lines.isEmpty else { throw MMSearchError(.usage, "\(url.path): has no labels (one per line)") }
        return try checked(lines)
    }

    /// The probabilities of every label for a unit vector of the space, best first (ties by
    /// label order).
    public func classify(_ vector: [Float]) -> [LabelScore] {
        let logits = labelVectors.map { label in
            zip(label, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 } / temperature
        }
        let probabilities = Self.softmax(logits)
        return zip(labels, probabilities).enumerated()
            .sorted { a, b in a.element.1 != b.element.1 ? a.element.1 > b.element.1 : a.offset < b.offset }
            .map { LabelScore(label: $0.element.0, probability: $0.element.1) }
    }

    /// A numerically stable softmax.
    public static func softmax(_ logits: [Float]) -> [Float] {
        guard let top = logits.max() else { return [] }
        let exps = logits.map { Double(exp($0 - top)) }
        let sum = exps.reduce(0, +)
        return exps.map { Float($0 / sum) }
    }
}
