import MMTensor

/// GPT-2's split of text into words, as `tokenizers`' ByteLevel pre-tokenizer runs it for
/// RoBERTa (`use_regex`, no prefix space): the matches of
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// in order, with nothing between them dropped. Nothing is normalised first: case, accents and
/// every space are kept. Classes are `RegexCharacterClass` (Oniguruma's, Unicode 16).
public enum GPT2PreTokenizer {
    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"]
        .map { Array($0.unicodeScalars) }

    /// The words of `s`, in order; together they are `s`.
    public static func words(_ s: [Unicode.Scalar]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var i = 0
        let n = s.count
        func run(from start: Int, of kind: RegexCharacterClass) -> Int {
            var end = start
            while end < n && RegexCharacterClass(s[end]) == kind { end += 1 }
            return end
        }
        scan: while i < n {
            // Contractions, lower case only: "'s" before a run of marks that would take the "'".
            if s[i] == "'" {
                for suffix in contractions where i + 1 + suffix.count <= n
                    && s[(i + 1)..<(i + 1 + suffix.count)].elementsEqual(suffix) {
                    words.append(i..<(i + 1 + suffix.count))
                    i += 1 + suffix.count
                    continue scan
                }
            }
            // ` ?X+` for letters, numbers and other marks: one plain space may lead the run.
            let lead = s[i] == " " && i + 1 < n && RegexCharacterClass(s[i + 1]) != .whitespace ? 1 : 0
            let kind = RegexCharacterClass(s[i + lead])
            if kind != .whitespace {
                let end = run(from: i + lead, of: kind)
                words.append(i..<end)
                i = end
                continue
            }
            // `\s+(?!\S)`: a whitespace run, less its last character when a non-space follows
            // (that one leads the next word, or stands alone); `\s+` when only one is left.
            let end = run(from: i, of: .whitespace)
            let stop = end < n && end - i >= 2 ? end - 1 : end
            words.append(i..<stop)
            i = stop
        }
        return words
    }
}
