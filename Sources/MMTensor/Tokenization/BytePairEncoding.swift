import Foundation

/// Byte-level byte-pair encoding, the model of GPT-2's, RoBERTa's and CLIP's tokenizers
/// (`tokenizers`' BPE after its ByteLevel pre-tokenizer), read from a Hugging Face
/// `vocab.json` + `merges.txt`.
///
/// A word's UTF-8 bytes become symbols through `byteSymbols` (CLIP appends `</w>` to the last
/// one: `endOfWordSuffix`), then the adjacent pair with the lowest merge rank is merged,
/// everywhere from left to right, until no adjacent pair has a rank. Symbols are handled as
/// vocabulary ids throughout.
public struct BytePairEncoding: Sendable {
    /// The printable character that stands for each byte (GPT-2's `bytes_to_unicode`):
    /// the bytes of `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves; the 68 others, in byte
    /// order, for U+0100, U+0101, … (so a space is `Ġ`, a newline `Ċ`).
    public static let byteSymbols: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// Ids of each byte's symbol, inside a word and at its end (with the suffix); `nil` where the
    /// vocabulary lacks it (such a symbol becomes `unknownID`, or is dropped when there is none,
    /// as in `tokenizers`).
    private let byteIDs: [Int32?]
    private let wordEndByteIDs: [Int32?]
    /// `(left id, right id)` → rank and the merged symbol's id.
    private let merges: [Pair: Merge]
    private let unknownID: Int32?
    private let cache = WordCache()

    struct Pair: Hashable {
        let left: Int32
        let right: Int32
    }

    struct Merge {
        let rank: Int32
        let id: Int32
    }

    /// One line of `merges.txt`: `left right`.
    public struct MergeRule: Sendable {
        public let line: Int
        public let left: Substring
        public let right: Substring

        public init(line: Int, left: Substring, right: Substring) {
            self.line = line
            self.left = left
            self.right = right
        }
    }

    /// `merges` are `left right` pairs in rank order. Every merged symbol must be in the
    /// vocabulary; the error names `mergesFile` and the line. `endOfWordSuffix` marks a word's
    /// last symbol (`"</w>"` for CLIP, none for GPT-2 and RoBERTa).
    public init(vocabulary: [String: Int32], merges pairs: [MergeRule], unknownID: Int32?,
                endOfWordSuffix: String = "", mergesFile: String) throws {
        byteIDs = Self.byteSymbols.map { vocabulary[String($0)] }
        wordEndByteIDs = Self.byteSymbols.map { vocabulary[String($0) + endOfWordSuffix] }
        var merges: [Pair: Merge] = [:]
        merges.reserveCapacity(pairs.count)
        for (rank, pair) in pairs.enumerated() {
            guard let left = vocabulary[String(pair.left)], let right = vocabulary[String(pair.right)],
                  let merged = vocabulary[String(pair.left + pair.right)] else {
                throw WeightsError(mergesFile, "line \(pair.line): merge '\(pair.left) \(pair.right)' uses a token that is not in the vocabulary")
            }
            // A pair listed twice keeps its last rank, as `tokenizers` builds its map.
            merges[Pair(left: left, right: right)] = Merge(rank: Int32(rank), id: merged)
        }
        self.merges = merges
        self.unknownID = unknownID
    }

    /// Throws unless `vocabulary` holds every byte's symbol (and, with an `endOfWordSuffix`,
    /// every byte's symbol with it): byte-level BPE spells any text only then; without them
    /// whole texts would become unknown tokens, or nothing. The error names `file` and the first
    /// missing symbol.
    public static func requireByteSymbols(in vocabulary: [String: Int32], endOfWordSuffix: String = "",
                                          file: String) throws {
        for suffix in endOfWordSuffix.isEmpty ? [""] : ["", endOfWordSuffix] {
            for (byte, symbol) in byteSymbols.enumerated() where vocabulary[String(symbol) + suffix] == nil {
                throw WeightsError(file, "byte 0x\(String(byte, radix: 16)) has no token "
                                   + "\((String(symbol) + suffix).debugDescription): a byte-level BPE vocabulary "
                                   + "needs all 256 byte symbols\(suffix.isEmpty ? "" : ", with and without \(suffix)")")
            }
        }
    }

    /// Appends the ids of one word (its UTF-8 bytes).
    public func encode(_ word: [UInt8], into ids: inout [Int32]) {
        guard !word.isEmpty else { return }
        if let cached = cache[word] {
            ids.append(contentsOf: cached)
            return
        }
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.count)
        for i in word.indices {
            if let id = (i == word.count - 1 ? wordEndByteIDs[Int(word[i])] : byteIDs[Int(word[i])]) ?? unknownID {
                symbols.append(id)
            }
        }
        while symbols.count > 1 {
            var best: (index: Int, merge: Merge)?
            for i in 0..<(symbols.count - 1) {
                if let m = merges[Pair(left: symbols[i], right: symbols[i + 1])], m.rank < (best?.merge.rank ?? .max) {
                    best = (i, m)
                }
            }
            guard let best else { break }
            // The first occurrence of the best pair is at best.index (equal pairs share a rank).
            let left = symbols[best.index], right = symbols[best.index + 1]
            var merged = Array(symbols[..<best.index])
            merged.reserveCapacity(symbols.count - 1)
            var i = best.index
            while i < symbols.count {
                if i + 1 < symbols.count && symbols[i] == left && symbols[i + 1] == right {
                    merged.append(best.merge.id)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        cache[word] = symbols
        ids.append(contentsOf: symbols)
    }

    // MARK: - Hugging Face files

    /// Reads a `vocab.json` (token → id). Errors name the file and what is wrong.
    public static func readVocabulary(_ url: URL) throws -> [String: Int32] {
        let name = url.lastPathComponent
        let vocabulary = try ConfigJSON.decode([String: Int32].self, from: ConfigJSON.data(at: url), file: name,
                                               kind: "token → id JSON object")
        if let (token, id) = vocabulary.first(where: { $0.value < 0 }) {
            throw WeightsError(name, "token \(token.debugDescription) has a negative id \(id)")
        }
        if let (token, id) = vocabulary.first(where: { Int($0.value) >= ModelLimits.vocabulary }) {
            throw WeightsError(name, "token \(token.debugDescription) has id \(id), outside 0…\(ModelLimits.vocabulary - 1)")
        }
        return vocabulary
    }

    /// The largest id of `vocabulary` (read from `file`) and its token, for checking against a
    /// model's `vocab_size`.
    public static func largestID(of vocabulary: [String: Int32], file: String) -> LargestTokenID {
        var largest = LargestTokenID(file: file)
        for (token, id) in vocabulary { largest.note(id, key: "token \(token.debugDescription)") }
        return largest
    }

    /// Reads a `merges.txt`: an optional `#version` line, then one `left right` merge a line,
    /// best first. Errors name the file and the line.
    public static func readMerges(_ url: URL) throws -> [MergeRule] {
        let name = url.lastPathComponent
        guard let text = String(data: try ConfigJSON.data(at: url), encoding: .utf8) else {
            throw WeightsError(name, "cannot read as UTF-8 text")
        }
        var rules: [MergeRule] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw WeightsError(name, "line \(index + 1) is not a 'left right' pair: \(String(line.prefix(60)).debugDescription)")
            }
            rules.append(MergeRule(line: index + 1, left: parts[0], right: parts[1]))
        }
        return rules
    }
}

/// Ids of words seen before. Bounded like `tokenizers`' cache: once full it stops growing.
final class WordCache: @unchecked Sendable {
    // Guarded by `lock`.
    private var entries: [[UInt8]: [Int32]] = [:]
    private let lock = NSLock()
    static let capacity = 10_000

    subscript(word: [UInt8]) -> [Int32]? {
        get { lock.withLock { entries[word] } }
        set {
            lock.withLock {
                if entries.count < Self.capacity { entries[word] = newValue }
            }
        }
    }
}
