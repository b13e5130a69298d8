import Foundation
import MMTensor

/// BERT's tokenizer exactly as Hugging Face `tokenizers` runs it from a `tokenizer.json`
/// (BertNormalizer → BertPreTokenizer → WordPiece → `[CLS] … [SEP]`).
///
/// Steps, each as in `tokenizers/src/normalizers/bert.rs`, `pre_tokenizers/bert.rs` and
/// `models/wordpiece/mod.rs`:
/// 1. Added tokens (`[CLS]`, `[MASK]`, …; not normalised) are matched in the raw text first and
///    map straight to their ids.
/// 2. The rest is normalised: control characters (Cc, Cf, Co, but not tab/newline/return), NUL
///    and U+FFFD are dropped and every White_Space character becomes a space; CJK ideographs
///    get spaces around them; accents are stripped (NFD, then drop Mn); text is lower-cased one
///    scalar at a time (so Σ is always σ).
/// 3. Words are split at spaces and around every punctuation character (ASCII punctuation or a
///    Unicode P* category).
/// 4. WordPiece: greedy longest match with the `##` prefix for continuations; a word with no
///    match, or longer than 100 characters, becomes `[UNK]`.
/// 5. Ids are truncated to `maxLength - 2` and wrapped in `[CLS]` … `[SEP]`.
public struct WordPieceTokenizer: Sendable {
    public let maxLength: Int
    public let vocabularySize: Int
    public let clsID: Int32
    public let sepID: Int32
    public let padID: Int32
    public let unkID: Int32

    private let vocab: [String: Int32]
    private let addedTokens: [(scalars: [Unicode.Scalar], id: Int32)]
    private let cleanText: Bool
    private let handleChineseChars: Bool
    private let stripAccents: Bool
    private let lowercase: Bool
    private let continuingPrefix: String
    private let maxInputCharsPerWord: Int

    /// The largest id `encode` can return and where `tokenizer.json` sets it, to check against
    /// the model's `vocab_size` (`SentenceTransformer` does).
    public let largestID: LargestTokenID

    /// Loads `tokenizer.json`. `maxLength` counts the special tokens (sentence-transformers'
    /// `max_seq_length`).
    ///
    /// The file is untrusted: every id in it (`model.vocab`, `added_tokens`, the post-processor's
    /// special tokens) must be a token id (`TokenID.checked`), `model.vocab` must hold
    /// `model.unk_token` (as `tokenizers` requires), and `max_input_chars_per_word` must be
    /// positive and at most `ModelLimits.wordCharacters`; errors name the file and the key.
    public init(contentsOf url: URL, maxLength: Int) throws {
        let name = url.lastPathComponent
        let file = try ConfigJSON.decode(TokenizerFile.self, from: ConfigJSON.data(at: url), file: name,
                                         kind: "usable tokenizer.json")
        guard file.model.type == "WordPiece" else {
            throw WeightsError(name, "model type \(file.model.type) is not WordPiece")
        }
        if let n = file.normalizer, n.type != "BertNormalizer" {
            throw WeightsError(name, "normalizer \(n.type) is not supported (BertNormalizer only)")
        }
        if let p = file.pre_tokenizer, p.type != "BertPreTokenizer" {
            throw WeightsError(name, "pre-tokenizer \(p.type) is not supported (BertPreTokenizer only)")
        }
        guard maxLength >= 2 else { throw WeightsError(name, "max length \(maxLength) leaves no room for tokens") }
        guard !file.model.vocab.isEmpty else { throw WeightsError(name, "model.vocab is empty") }
        guard file.model.vocab[file.model.unk_token] != nil else {
            throw WeightsError(name, "model.unk_token \(file.model.unk_token.debugDescription) is not in model.vocab")
        }
        let maxInputCharsPerWord = file.model.max_input_chars_per_word ?? 100
        try ConfigCheck.count(maxInputCharsPerWord, atMost: ModelLimits.wordCharacters,
                              key: "model.max_input_chars_per_word", file: name)

        var largest = LargestTokenID(file: name)
        func checked(_ id: Int, _ key: @autoclosure () -> String) throws -> Int32 {
            let value = try TokenID.checked(id, key: key(), file: name)
            largest.note(value, key: key())
            return value
        }
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(file.model.vocab.count)
        for (token, id) in file.model.vocab { vocab[token] = try checked(id, "model.vocab \(token.debugDescription)") }
        var added: [(scalars: [Unicode.Scalar], id: Int32)] = []
        for (i, t) in (file.added_tokens ?? []).enumerated() {
            let id = try checked(t.id, "added_tokens[\(i)] \(t.content.debugDescription)")
            vocab[t.content] = id
            added.append((Array(t.content.unicodeScalars), id))
        }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocab[token] else { throw WeightsError(name, "token \(token) is not in the vocabulary") }
            return id
        }

        var cls = "[CLS]", sep = "[SEP]"
        if let post = file.post_processor {
            switch post.type {
            case "TemplateProcessing":
                let specials = (post.single ?? []).compactMap { $0.SpecialToken?.id }
                let sequences = (post.single ?? []).compactMap { $0.Sequence?.id }
                guard specials.count == 2, sequences == ["A"],
                      post.single?.first?.SpecialToken != nil, post.single?.last?.SpecialToken != nil else {
                    throw WeightsError(name, "post-processor template is not `CLS $A SEP`")
                }
                cls = specials[0]; sep = specials[1]
                for token in [cls, sep] {
                    guard let ids = post.special_tokens?[token]?.ids else { continue }
                    let key = "post_processor.special_tokens \(token.debugDescription)"
                    let checkedIDs = try ids.map { try checked($0, key) }
                    if checkedIDs.count == 1 { vocab[token] = checkedIDs[0] }
                }
            case "BertProcessing":
                if case .string(let c)? = post.cls?.first { cls = c }
                if case .string(let s)? = post.sep?.first { sep = s }
                // The ids written beside the tokens are not read (the vocabulary's are), but a
                // file that names one outside the model is refused all the same.
                if let id = post.cls?.dropFirst().first?.int { _ = try checked(id, "post_processor.cls") }
                if let id = post.sep?.dropFirst().first?.int { _ = try checked(id, "post_processor.sep") }
            default:
                throw WeightsError(name, "post-processor \(post.type) is not supported")
            }
        }

        self.vocab = vocab
        self.vocabularySize = file.model.vocab.count
        self.largestID = largest
        self.maxLength = maxLength
        self.clsID = try id(cls)
        self.sepID = try id(sep)
        self.padID = vocab["[PAD]"] ?? 0
        self.unkID = try id(file.model.unk_token)
        // Longest first, so that at one position the longest added token wins.
        self.addedTokens = added
            .filter { !$0.scalars.isEmpty }
            .sorted { $0.scalars.count > $1.scalars.count }
        let n = file.normalizer
        self.cleanText = n?.clean_text ?? false
        self.handleChineseChars = n?.handle_chinese_chars ?? false
        self.lowercase = n?.lowercase ?? false
        self.stripAccents = n?.strip_accents ?? (n?.lowercase ?? false)
        self.continuingPrefix = file.model.continuing_subword_prefix ?? "##"
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// Token ids with `[CLS]` and `[SEP]`, at most `maxLength` of them.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [clsID]
        let budget = maxLength - 2
        for piece in splitOnAddedTokens(Array(text.unicodeScalars)) {
            if ids.count - 1 >= budget { break }
            switch piece {
            case .added(let id):
                ids.append(id)
            case .text(let scalars):
                for word in preTokenize(normalize(scalars)) {
                    wordPiece(word, into: &ids)
                    if ids.count - 1 >= budget { break }
                }
            }
        }
        if ids.count - 1 > budget { ids.removeLast(ids.count - 1 - budget) }
        ids.append(sepID)
        return ids
    }

    // MARK: - Added tokens

    private enum Piece {
        case text(ArraySlice<Unicode.Scalar>)
        case added(Int32)
    }

    private func splitOnAddedTokens(_ s: [Unicode.Scalar]) -> [Piece] {
        var pieces: [Piece] = []
        var start = 0, i = 0
        outer: while i < s.count {
            for (token, id) in addedTokens where token.count <= s.count - i && token[0] == s[i] {
                if s[i..<(i + token.count)].elementsEqual(token) {
                    if start < i { pieces.append(.text(s[start..<i])) }
                    pieces.append(.added(id))
                    i += token.count
                    start = i
                    continue outer
                }
            }
            i += 1
        }
        if start < s.count { pieces.append(.text(s[start..<s.count])) }
        return pieces
    }

    // MARK: - Normalisation

    private func normalize(_ input: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(input.count + 8)
        for c in input {
            if cleanText {
                if c.value == 0 || c.value == 0xFFFD || Self.isControl(c) { continue }
                if Self.isWhitespace(c) { s.append(" "); continue }
            }
            if handleChineseChars && Self.isChineseChar(c) {
                s.append(" "); s.append(c); s.append(" ")
            } else {
                s.append(c)
            }
        }
        // ASCII needs no decomposition and holds no marks: most text skips the Unicode tables.
        if stripAccents && !s.allSatisfy(\.isASCII) {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: s)
            s = String(text).decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.isASCII || $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(s.count)
            for c in s {
                if c.isASCII {
                    lowered.append(("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c)
                } else {
                    lowered.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
                }
            }
            s = lowered
        }
        return s
    }

    // The character classes below answer ASCII without Unicode's property tables (the same
    // answers, found by hand: White_Space is 9–13 and 32, Cc is 0–31 and 127, and the
    // punctuation ranges are listed), which makes tokenising English text several times faster.

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return c == " " || (9...13).contains(c.value) }
        return c.properties.isWhitespace
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        if c.isASCII { return c.value < 32 || c.value == 127 }
        switch c.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    static func isChineseChar(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<128: return false
        default: break
        }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation,
             .initialPunctuation, .otherPunctuation, .openPunctuation:
            return true
        default:
            return false
        }
    }

    // MARK: - Pre-tokenisation

    private func preTokenize(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        for (i, c) in s.enumerated() {
            if Self.isWhitespace(c) {
                if start < i { words.append(s[start..<i]) }
                start = i + 1
            } else if Self.isPunctuation(c) {
                if start < i { words.append(s[start..<i]) }
                words.append(s[i...i])
                start = i + 1
            }
        }
        if start < s.count { words.append(s[start..<s.count]) }
        return words
    }

    // MARK: - WordPiece

    private func wordPiece(_ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int32]) {
        guard word.count <= maxInputCharsPerWord else {
            ids.append(unkID)
            return
        }
        let chars = Array(word)
        var pieces: [Int32] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: Int32?
            while start < end {
                var candidate = start > 0 ? continuingPrefix : ""
                candidate.unicodeScalars.append(contentsOf: chars[start..<end])
                if let id = vocab[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unkID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}
