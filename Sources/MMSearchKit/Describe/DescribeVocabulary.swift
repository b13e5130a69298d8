import Foundation
import MMTensor

/// The built-in vocabulary `mmsearch describe` matches a file against: common concrete
/// English nouns and noun phrases (`builtInWords()`, the resource `vocabulary.txt` that
/// Scripts/generate/vocabulary.py makes from Debian's SCOWL word list filtered through
/// WordNet's noun index).
///
/// Each word is embedded by the pack's text encoder through the prompt "a photo of a {}."
/// — ConSE and CLIP image vectors sit near such prompts — once per space, and cached.
public enum DescribeVocabulary {
    /// The prompt each word is embedded through.
    public static let template = "a photo of a {}."

    /// The built-in words (4 476), alphabetical; read from the module's resources.
    public static func builtInWords() throws -> [String] {
        try PackageResource("vocabulary.txt", module: "MMSearchKit").lines()
    }

    /// The unit vectors of `words` in `pack`'s space, row-major, from `cache` when it has them.
    public static func embeddings(_ words: [String], pack: ModelPack, cache: VectorCache?) throws -> [Float] {
        guard let text = pack.encoder(for: .text) else {
            throw MMSearchError(.usage, "model pack '\(pack.name)' has no text encoder: it cannot describe")
        }
        let dimension = pack.space.dimension
        let compute = { () throws -> [Float] in
            var all: [Float] = []
            all.reserveCapacity(words.count * dimension)
            let prompts = words.map { EncoderInput.text(template.replacingOccurrences(of: "{}", with: $0)) }
            for start in stride(from: 0, to: prompts.count, by: 256) {
                let batch = Array(prompts[start..<min(prompts.count, start + 256)])
                for (offset, result) in text.embed(batch: batch).enumerated() {
                    guard case .success(let vector) = result,
                          case .success(let unit) = VectorCheck.validated(vector, dimension: dimension) else {
                        throw MMSearchError(.inputFailed, "vocabulary word \"\(words[start + offset])\": "
                                            + "the text encoder gave no usable vector")
                    }
                    all += unit
                }
            }
            return all
        }
        let key = ["describe-1", pack.space.fingerprint, template, words.joined(separator: "\n")].joined(separator: "\u{0}")
        guard let cache else { return try compute() }
        return try cache.vectors(key: key, count: words.count, dimension: dimension, compute: compute)
    }

    /// The `limit` words whose vectors are closest to `vector`, best first, with their cosine
    /// similarities.
    public static func best(_ vector: [Float], words: [String], embeddings: [Float], limit: Int) -> [(word: String, score: Float)] {
        let d = vector.count
        var top = TopK(k: max(0, limit))
        for i in words.indices {
            var s: Float = 0
            for j in 0..<d { s += vector[j] * embeddings[i * d + j] }
            top.insert(row: i, score: s)
        }
        return top.sorted().map { (words[$0.row], $0.score) }
    }
}

extension Engine {
    /// The built-in vocabulary's words best matching a file (embedded now), best first.
    /// `cache` keeps the vocabulary's vectors between runs (computed on first use).
    public func describe(_ file: URL, limit: Int, words: [String]? = nil,
                         cache: VectorCache?) throws -> [(word: String, score: Float)] {
        let vector = try embed(.file(file)).vector
        let words = try words ?? DescribeVocabulary.builtInWords()
        let embeddings = try BLAS.withThreads(threads) { try DescribeVocabulary.embeddings(words, pack: pack, cache: cache) }
        return DescribeVocabulary.best(vector, words: words, embeddings: embeddings, limit: limit)
    }
}
