import Foundation
import MMTensor

/// Byte-level byte-pair encoding with `</w>` word ends: the model of CLIP's tokenizer
/// (`tokenizers`' BPE with `end_of_word_suffix="</w>"`, after its ByteLevel pre-tokenizer).
///
/// A word's UTF-8 bytes become symbols through `byteSymbols` (the last one with `</w>`), then
/// the adjacent pair with the lowest merge rank is merged, everywhere from left to right, until
/// no adjacent pair has a rank. Symbols are handled as vocabulary ids throughout.
struct BytePairEncoding: Sendable {
    /// The printable character that stands for each byte (GPT-2's and CLIP's `bytes_to_unicode`):
    /// the bytes of `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves; the 68 others, in byte
    /// order, for U+0100, U+0101, …
    static let byteSymbols: [Unicode.Scalar] = {
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

    /// Ids of each byte's symbol, inside a word and at its end (`</w>` appended); `nil` where the
    /// vocabulary lacks it (such a symbol becomes the unknown token, as in `tokenizers`).
    private let byteIDs: [Int32?]
    private let wordEndByteIDs: [Int32?]
    /// `(left id, right id)` → rank and the merged symbol's id.
    private let merges: [Pair: Merge]
    private let unknownID: Int32
    private let cache = WordCache()

    struct Pair: Hashable {
        let left: Int32
        let right: Int32
    }

    struct Merge {
        let rank: Int32
        let id: Int32
    }

    /// `merges` are `left right` pairs in rank order. Every merged symbol must be in the
    /// vocabulary; the error names `mergesFile` and the line.
    init(vocabulary: [String: Int32], merges pairs: [(line: Int, left: Substring, right: Substring)],
         unknownID: Int32, mergesFile: String) throws {
        byteIDs = Self.byteSymbols.map { vocabulary[String($0)] }
        wordEndByteIDs = Self.byteSymbols.map { vocabulary[String($0) + "</w>"] }
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

    /// Appends the ids of one word (its UTF-8 bytes).
    func encode(_ word: [UInt8], into ids: inout [Int32]) {
        guard !word.isEmpty else { return }
        if let cached = cache[word] {
            ids.append(contentsOf: cached)
            return
        }
        var symbols: [Int32] = word.indices.map { i in
            (i == word.count - 1 ? wordEndByteIDs[Int(word[i])] : byteIDs[Int(word[i])]) ?? unknownID
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
