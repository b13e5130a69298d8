/// Cuts a text into chunks that a text encoder reads whole, keeping paragraphs (blocks between
/// blank lines) together where they fit.
///
/// Paragraphs are packed in order into a chunk while they fit the encoder's token budget; a
/// paragraph that does not fit what is left starts a new chunk; a paragraph longer than the
/// budget is cut at sentence ends, then between words, then (one enormous word) between
/// characters, and its pieces are packed the same way. Token counts add up across whitespace
/// (encoders split words there), and every chunk is counted once more as a whole, so none
/// exceeds the budget. Offsets are UTF-8 byte offsets in the text.
struct TextChunker: Sendable {
    let chunking: TextChunking

    /// A piece that is never cut unless it must be.
    private struct Unit {
        var range: Range<Int>
        var tokens: Int
        /// False for a piece of a word cut between characters: its count does not add up with
        /// its neighbours', so it is a chunk of its own.
        var joinable = true
    }

    func chunks(_ text: String) -> [FilePart] {
        let bytes = Array(text.utf8)
        var ranges: [Range<Int>] = []
        var open: Unit?
        func close() {
            if let unit = open { ranges.append(unit.range) }
            open = nil
        }
        for paragraph in Self.paragraphs(bytes) {
            let units = pieces(of: paragraph, in: bytes)
            if units.count > 1 { close() }  // a long paragraph starts a chunk of its own
            for unit in units {
                if var current = open, current.joinable, unit.joinable,
                   current.tokens + unit.tokens <= chunking.maxTokens {
                    let joined = current.range.lowerBound..<unit.range.upperBound
                    let tokens = count(bytes[joined])
                    if tokens <= chunking.maxTokens {
                        current.range = joined
                        current.tokens = tokens
                        open = current
                        continue
                    }
                }
                close()
                open = unit
            }
        }
        close()
        return ranges.enumerated().map { index, range in
            FilePart(index: index, bytes: range, text: String(decoding: bytes[range], as: UTF8.self))
        }
    }

    // MARK: Cutting

    /// `range` as one unit when it fits, else cut into sentence, word or character pieces.
    private func pieces(of range: Range<Int>, in bytes: [UInt8]) -> [Unit] {
        let tokens = count(bytes[range])
        if tokens <= chunking.maxTokens { return [Unit(range: range, tokens: tokens)] }
        let sentences = Self.sentences(in: range, bytes)
        if sentences.count > 1 { return sentences.flatMap { pieces(of: $0, in: bytes) } }
        let words = Self.words(in: range, bytes)
        if words.count > 1 {
            // Words pack into runs that fit, so the result is not one unit per word.
            var units: [Unit] = []
            for word in words {
                for unit in pieces(of: word, in: bytes) {
                    if var last = units.last, last.joinable, unit.joinable,
                       last.tokens + unit.tokens <= chunking.maxTokens {
                        last.range = last.range.lowerBound..<unit.range.upperBound
                        last.tokens += unit.tokens
                        units[units.count - 1] = last
                    } else {
                        units.append(unit)
                    }
                }
            }
            return units
        }
        return characterPieces(of: range, in: bytes)
    }

    /// One word too long for the budget, cut between characters into pieces that fit.
    private func characterPieces(of range: Range<Int>, in bytes: [UInt8]) -> [Unit] {
        let word = String(decoding: bytes[range], as: UTF8.self)
        var units: [Unit] = []
        var offset = range.lowerBound
        var rest = Substring(word)
        while !rest.isEmpty {
            // The longest prefix that fits (at least one character), by bisection.
            var (low, high) = (1, rest.count)
            while low < high {
                let middle = (low + high + 1) / 2
                if chunking.countTokens(String(rest.prefix(middle))) <= chunking.maxTokens {
                    low = middle
                } else {
                    high = middle - 1
                }
            }
            let piece = rest.prefix(low)
            let size = piece.utf8.count
            units.append(Unit(range: offset..<(offset + size), tokens: chunking.countTokens(String(piece)),
                              joinable: false))
            offset += size
            rest = rest.dropFirst(low)
        }
        return units
    }

    private func count(_ bytes: ArraySlice<UInt8>) -> Int {
        chunking.countTokens(String(decoding: bytes, as: UTF8.self))
    }

    // MARK: Boundaries

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    /// `range` without ASCII whitespace at either end; nil when nothing is left.
    private static func trimmed(_ range: Range<Int>, _ bytes: [UInt8]) -> Range<Int>? {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower < upper ? lower..<upper : nil
    }

    /// Blocks of text between blank lines (lines of only whitespace), trimmed.
    static func paragraphs(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        var lineStart = 0
        var lineBlank = true
        for i in 0..<bytes.count {
            let byte = bytes[i]
            if byte == 0x0A {
                if lineBlank, let paragraph = trimmed(start..<lineStart, bytes) {
                    out.append(paragraph)
                    start = i + 1
                } else if lineBlank {
                    start = i + 1
                }
                lineStart = i + 1
                lineBlank = true
            } else if !isSpace(byte) {
                lineBlank = false
            }
        }
        if let paragraph = trimmed(start..<bytes.count, bytes) { out.append(paragraph) }
        return out
    }

    /// Sentences of a paragraph: cut after `.`, `!` or `?` (and closing quotes or brackets)
    /// followed by whitespace, and at line breaks.
    static func sentences(in range: Range<Int>, _ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            let byte = bytes[i]
            var end: Int?
            if byte == 0x0A {
                end = i
            } else if byte == 0x2E || byte == 0x21 || byte == 0x3F {  // . ! ?
                var j = i + 1
                while j < range.upperBound, [0x22, 0x27, 0x29, 0x5D].contains(bytes[j]) { j += 1 }  // " ' ) ]
                if j < range.upperBound, isSpace(bytes[j]) { end = j }
            }
            if let end {
                if let sentence = trimmed(start..<end, bytes) { out.append(sentence) }
                start = end
                i = end
            }
            i += 1
        }
        if let sentence = trimmed(start..<range.upperBound, bytes) { out.append(sentence) }
        return out
    }

    /// Runs of non-whitespace bytes.
    static func words(in range: Range<Int>, _ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start: Int?
        for i in range {
            if isSpace(bytes[i]) {
                if let s = start { out.append(s..<i) }
                start = nil
            } else if start == nil {
                start = i
            }
        }
        if let s = start { out.append(s..<range.upperBound) }
        return out
    }
}
