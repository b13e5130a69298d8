import Foundation
import MMTensor

/// CLAP's text tokenizer: RoBERTa's byte-level BPE exactly as transformers' `RobertaTokenizer`
/// runs it from a checkpoint directory (`tokenizers`' pipeline):
///
/// 1. the special tokens (`<s>`, `<pad>`, `</s>`, `<unk>`, `<mask>`) written exactly in the text
///    are found first, leftmost-longest; one marked `lstrip` in `tokenizer.json` (roberta-base's
///    `<mask>`) also takes the whitespace before it, `rstrip` the whitespace after;
/// 2. the text between them is split into words by GPT-2's pattern (`GPT2PreTokenizer`), with
///    no normalisation;
/// 3. each word's UTF-8 bytes are byte-pair encoded (`BytePairEncoding`, no end-of-word mark;
///    a byte the vocabulary lacks is dropped, as `tokenizers` does without an unknown token);
/// 4. the ids are cut to `maxLength - 2` and wrapped in `<s>` … `</s>` (`truncation=True`).
public struct ClapTokenizer: Sendable {
    /// Most ids `encode` returns, the two special tokens included (512 for CLAP).
    public let maxLength: Int
    public let vocabularySize: Int
    public let startID: Int32
    public let endID: Int32
    public let padID: Int32
    /// The largest id `encode` can return and where it was read (`vocabularySize - 1`).
    public let largestID: LargestTokenID

    private let bpe: BytePairEncoding
    private let specialTokens: [SpecialToken]

    /// A token matched in the raw text before splitting.
    public struct SpecialToken: Sendable, Equatable {
        public let content: String
        public let id: Int32
        public let lstrip: Bool
        public let rstrip: Bool
        let scalars: [Unicode.Scalar]

        public init(content: String, id: Int32, lstrip: Bool = false, rstrip: Bool = false) {
            self.content = content
            self.id = id
            self.lstrip = lstrip
            self.rstrip = rstrip
            scalars = Array(content.unicodeScalars)
        }
    }

    public static let roleTokens = (start: "<s>", pad: "<pad>", end: "</s>", unknown: "<unk>", mask: "<mask>")

    /// Builds the tokenizer from `vocab.json` + `merges.txt`. `specialTokens` are those of
    /// `tokenizer.json`'s `added_tokens` where there is one; without it, RoBERTa's five from the
    /// vocabulary, none stripping (what transformers builds from the two files alone). Errors
    /// name the file and what is wrong: besides unreadable files, a vocabulary without the role
    /// tokens or without every byte's symbol, a merge of tokens it does not hold, a special
    /// token with a negative id.
    public init(vocabulary vocabularyURL: URL, merges mergesURL: URL, specialTokens: [SpecialToken]? = nil,
                maxLength: Int = 512) throws {
        let vocabName = vocabularyURL.lastPathComponent
        guard maxLength >= 2 else { throw WeightsError(vocabName, "max length \(maxLength) leaves no room for tokens") }
        let vocabulary = try BytePairEncoding.readVocabulary(vocabularyURL)
        let roles = Self.roleTokens
        guard let start = vocabulary[roles.start], let end = vocabulary[roles.end], let pad = vocabulary[roles.pad] else {
            throw WeightsError(vocabName, "\(roles.start), \(roles.end) or \(roles.pad) is not in the vocabulary")
        }
        let merges = try BytePairEncoding.readMerges(mergesURL)
        bpe = try BytePairEncoding(vocabulary: vocabulary, merges: merges, unknownID: nil,
                                   mergesFile: mergesURL.lastPathComponent)
        try BytePairEncoding.requireByteSymbols(in: vocabulary, file: vocabName)
        self.specialTokens = specialTokens ?? [roles.start, roles.pad, roles.end, roles.unknown, roles.mask].compactMap { token in
            vocabulary[token].map { SpecialToken(content: token, id: $0) }
        }
        var largest = BytePairEncoding.largestID(of: vocabulary, file: vocabName)
        var special = LargestTokenID(file: "tokenizer.json")
        for (i, token) in self.specialTokens.enumerated() {
            let key = "added_tokens[\(i)] \(token.content.debugDescription)"
            _ = try TokenID.checked(Int(token.id), key: key, file: special.file)
            special.note(token.id, key: key)
        }
        if special.id > largest.id { largest = special }
        largestID = largest
        vocabularySize = Int(largest.id) + 1
        startID = start
        endID = end
        padID = pad
        self.maxLength = maxLength
    }

    /// Loads a Hugging Face directory: `vocab.json`, `merges.txt`, and where they exist
    /// `tokenizer.json` (its `added_tokens`) and `tokenizer_config.json` (its
    /// `model_max_length`, which `maxLength` caps).
    public init(directory: URL, maxLength: Int = 512) throws {
        let tokenizerJSON = directory.appendingPathComponent("tokenizer.json")
        let special = FileManager.default.fileExists(atPath: tokenizerJSON.path)
            ? try Self.addedTokens(tokenizerJSON) : nil
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        var length = maxLength
        if FileManager.default.fileExists(atPath: configURL.path), let limit = try Self.modelMaxLength(configURL) {
            guard limit >= 2 else {
                throw WeightsError(configURL.lastPathComponent, "model_max_length \(limit) leaves no room for <s> and </s>")
            }
            length = min(length, limit)
        }
        try self.init(vocabulary: directory.appendingPathComponent("vocab.json"),
                      merges: directory.appendingPathComponent("merges.txt"), specialTokens: special, maxLength: length)
    }

    /// Token ids: `<s>`, the text's tokens (at most `maxLength - 2`), `</s>`.
    public func encode(_ text: String) -> [Int32] {
        let budget = maxLength - 2
        var ids: [Int32] = [startID]
        var bytes: [UInt8] = []
        let scalars = Array(text.unicodeScalars)
        pieces: for piece in split(scalars) {
            switch piece {
            case .special(let id):
                ids.append(id)
            case .text(let range):
                let segment = Array(scalars[range])
                for word in GPT2PreTokenizer.words(segment) {
                    bytes.removeAll(keepingCapacity: true)
                    for c in segment[word] { UTF8.encode(c) { bytes.append($0) } }
                    bpe.encode(bytes, into: &ids)
                    if ids.count - 1 >= budget { break pieces }
                }
            }
            if ids.count - 1 >= budget { break }
        }
        if ids.count - 1 > budget { ids.removeLast(ids.count - 1 - budget) }
        ids.append(endID)
        return ids
    }

    private enum Piece {
        case text(Range<Int>)
        case special(Int32)
    }

    /// The text cut at every special token (leftmost, longest first), with the whitespace that
    /// `lstrip` / `rstrip` tokens take (never text an earlier token took).
    private func split(_ s: [Unicode.Scalar]) -> [Piece] {
        var pieces: [Piece] = []
        var consumed = 0, i = 0
        while i < s.count {
            var best: SpecialToken?
            for token in specialTokens where i + token.scalars.count <= s.count
                && (best == nil || token.scalars.count > best!.scalars.count)
                && s[i..<(i + token.scalars.count)].elementsEqual(token.scalars) {
                best = token
            }
            guard let token = best else {
                i += 1
                continue
            }
            var start = i, stop = i + token.scalars.count
            if token.lstrip {
                while start > consumed && s[start - 1].properties.isWhitespace { start -= 1 }
            }
            if token.rstrip {
                while stop < s.count && s[stop].properties.isWhitespace { stop += 1 }
            }
            if consumed < start { pieces.append(.text(consumed..<start)) }
            pieces.append(.special(token.id))
            consumed = stop
            i = stop
        }
        if consumed < s.count { pieces.append(.text(consumed..<s.count)) }
        return pieces
    }

    // MARK: - tokenizer.json, tokenizer_config.json

    /// The `added_tokens` of a `tokenizer.json` (content, id, lstrip, rstrip).
    static func addedTokens(_ url: URL) throws -> [SpecialToken] {
        struct File: Decodable {
            struct Added: Decodable {
                let id: Int32
                let content: String
                let lstrip: Bool?
                let rstrip: Bool?
            }
            let added_tokens: [Added]?
        }
        let name = url.lastPathComponent
        let file = try ConfigJSON.decode(File.self, from: ConfigJSON.data(at: url), file: name, kind: "tokenizers JSON file")
        return try (file.added_tokens ?? []).enumerated().map { i, token in
            let id = try TokenID.checked(Int(token.id), key: "added_tokens[\(i)] \(token.content.debugDescription)", file: name)
            return SpecialToken(content: token.content, id: id, lstrip: token.lstrip ?? false, rstrip: token.rstrip ?? false)
        }.filter { !$0.content.isEmpty }
    }

    /// `model_max_length` of a `tokenizer_config.json`, if it has one.
    static func modelMaxLength(_ url: URL) throws -> Int? {
        let object = try ConfigJSON.object(at: url, kind: "tokenizer_config.json")
        // transformers writes a huge number (int(1e30)) for "no limit".
        guard let value = object["model_max_length"] as? NSNumber else { return nil }
        let d = value.doubleValue
        return d >= 1 && d < 1e9 ? Int(d) : nil
    }
}
