import Foundation
import MMTensor

/// CLIP's tokenizer exactly as transformers' `CLIPTokenizer` runs it from a checkpoint's
/// `vocab.json` + `merges.txt`:
///
/// 1. `<|startoftext|>` and `<|endoftext|>` written exactly in the raw text are special tokens
///    (matched before normalisation, case-sensitive);
/// 2. the text around them is normalised and split into words (`CLIPPreTokenizer`);
/// 3. each word's UTF-8 bytes are byte-pair encoded with `</w>` on the last symbol
///    (`BytePairEncoding`);
/// 4. the ids are cut to `contextLength - 2` and wrapped in `<|startoftext|>` … `<|endoftext|>`
///    (transformers with `truncation=True, max_length=77`: the end token is always last).
public struct CLIPTokenizer: Sendable {
    /// Most ids `encode` returns, the special tokens included (the text tower's
    /// `max_position_embeddings`, 77 for OpenAI's models).
    public let contextLength: Int
    public let vocabularySize: Int
    public let startID: Int32
    public let endID: Int32
    /// The largest id `encode` can return and its token in `vocab.json` (`vocabularySize - 1`).
    public let largestID: LargestTokenID

    private let bpe: BytePairEncoding

    public static let startToken = "<|startoftext|>"
    public static let endToken = "<|endoftext|>"

    /// Reads `vocab.json` (token → id) and `merges.txt` (an optional `#version` line, then one
    /// `left right` merge a line, best first). Errors name the file and what is wrong: besides
    /// unreadable files, a vocabulary without the two special tokens or without every byte's
    /// symbol (with and without `</w>`), and a merge of tokens it does not hold.
    public init(vocabulary vocabularyURL: URL, merges mergesURL: URL, contextLength: Int = 77) throws {
        let vocabName = vocabularyURL.lastPathComponent, mergesName = mergesURL.lastPathComponent
        guard contextLength >= 2 else {
            throw WeightsError(vocabName, "context length \(contextLength) leaves no room for tokens")
        }
        let vocabulary = try BytePairEncoding.readVocabulary(vocabularyURL)
        guard let start = vocabulary[Self.startToken], let end = vocabulary[Self.endToken] else {
            throw WeightsError(vocabName, "\(Self.startToken) or \(Self.endToken) is not in the vocabulary")
        }
        let pairs = try BytePairEncoding.readMerges(mergesURL)

        bpe = try BytePairEncoding(vocabulary: vocabulary, merges: pairs, unknownID: end, endOfWordSuffix: "</w>",
                                   mergesFile: mergesName)
        try BytePairEncoding.requireByteSymbols(in: vocabulary, endOfWordSuffix: "</w>", file: vocabName)
        self.contextLength = contextLength
        largestID = BytePairEncoding.largestID(of: vocabulary, file: vocabName)
        self.vocabularySize = Int(largestID.id) + 1
        self.startID = start
        self.endID = end
    }

    /// Loads `vocab.json` and `merges.txt` from a model directory.
    public init(directory: URL, contextLength: Int = 77) throws {
        try self.init(vocabulary: directory.appendingPathComponent("vocab.json"),
                      merges: directory.appendingPathComponent("merges.txt"), contextLength: contextLength)
    }

    /// Token ids: `<|startoftext|>`, the text's tokens (at most `contextLength - 2`),
    /// `<|endoftext|>`.
    public func encode(_ text: String) -> [Int32] {
        let budget = contextLength - 2
        var ids: [Int32] = [startID]
        var bytes: [UInt8] = []
        for piece in Self.splitOnSpecialTokens(text) {
            if ids.count - 1 >= budget { break }
            switch piece {
            case .special(let isStart):
                ids.append(isStart ? startID : endID)
            case .text(let segment):
                let normalized = CLIPPreTokenizer.normalize(String(String.UnicodeScalarView(segment)))
                for word in CLIPPreTokenizer.words(normalized) {
                    bytes.removeAll(keepingCapacity: true)
                    for c in word { UTF8.encode(c) { bytes.append($0) } }
                    bpe.encode(bytes, into: &ids)
                    if ids.count - 1 >= budget { break }
                }
            }
        }
        if ids.count - 1 > budget { ids.removeLast(ids.count - 1 - budget) }
        ids.append(endID)
        return ids
    }

    private enum Piece {
        case text(ArraySlice<Unicode.Scalar>)
        case special(isStart: Bool)
    }

    private static let specialTokens: [(scalars: [Unicode.Scalar], isStart: Bool)] = [
        (Array(startToken.unicodeScalars), true), (Array(endToken.unicodeScalars), false),
    ]

    /// The raw text cut at every `<|startoftext|>` / `<|endoftext|>` written exactly (compared
    /// scalar by scalar, as `tokenizers` compares bytes).
    private static func splitOnSpecialTokens(_ text: String) -> [Piece] {
        let s = Array(text.unicodeScalars)
        var pieces: [Piece] = []
        var start = 0, i = 0
        scan: while i < s.count {
            if s[i] == "<" {
                for (token, isStart) in specialTokens
                where i + token.count <= s.count && s[i..<(i + token.count)].elementsEqual(token) {
                    if start < i { pieces.append(.text(s[start..<i])) }
                    pieces.append(.special(isStart: isStart))
                    i += token.count
                    start = i
                    continue scan
                }
            }
            i += 1
        }
        if start < s.count { pieces.append(.text(s[start..<s.count])) }
        return pieces
    }
}
