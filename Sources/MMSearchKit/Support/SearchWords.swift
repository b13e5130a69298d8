/// Words for keyword search: how path names and queries are cut into the words SQLite's FTS5
/// index matches.
///
/// FTS5's `unicode61` tokenizer makes a word of every run of letters and digits and ignores
/// case and accents. File names hide more words than that (`IMG2041`, `myHolidayPhotos`), so
/// path names are indexed as words cut further: where letters meet digits and where a
/// lower-case letter meets an upper-case one. A query looks for both its FTS5 words and those
/// pieces, so `8841` finds `invoice8841.pdf` and `invoice-8841.jpg` alike.
public enum SearchWords {
    /// The words of `text`: each token, and when it mixes letters and digits or changes case
    /// inside, its pieces too (`IMG2041` → `img2041 img 2041`), lower-cased, in order.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        for token in rawTokens(text) {
            let pieces = split(token)
            words.append(token.lowercased())
            if pieces.count > 1 { words += pieces.map { $0.lowercased() } }
        }
        return words
    }

    /// What the index stores for a path: its words, separated by spaces.
    package static func pathText(_ path: String) -> String {
        words(path).joined(separator: " ")
    }

    /// The words a keyword query for `texts` looks for: their distinct words, in order, at
    /// most `limit`.
    package static func queryWords(_ texts: [String], limit: Int = 64) -> [String] {
        var seen = Set<String>()
        var terms: [String] = []
        for word in texts.flatMap(words) where seen.insert(word).inserted && terms.count < limit {
            terms.append(word)
        }
        return terms
    }

    /// An FTS5 query matching any word of `texts` (`queryWords`); nil when they have none.
    /// Words are quoted, so nothing the user types is read as FTS5 syntax.
    package static func matchExpression(_ texts: [String], limit: Int = 64) -> String? {
        let terms = queryWords(texts, limit: limit).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return terms.isEmpty ? nil : terms.joined(separator: " OR ")
    }

    /// Runs of letters and digits, case kept.
    private static func rawTokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for character in text {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// A token cut where letters meet digits and where a lower-case letter is followed by an
    /// upper-case one.
    private static func split(_ token: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var previous: Character?
        for character in token {
            if let p = previous {
                let boundary = p.isNumber != character.isNumber
                    || (p.isLowercase && character.isUppercase)
                if boundary {
                    pieces.append(current)
                    current = ""
                }
            }
            current.append(character)
            previous = character
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
