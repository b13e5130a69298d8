import Foundation
import MMTensor

/// The text steps of CLIP's tokenizer before byte-pair encoding, as transformers' `CLIPTokenizer`
/// runs them (models/clip/tokenization_clip.py: a `tokenizers` pipeline):
///
/// 1. normalise: NFC, every run of `\s` (Unicode White_Space) to one space, lower case
///    (each scalar's full lower-case mapping, as Rust's `char::to_lowercase`: `İ` → `i̇`);
/// 2. split by CLIP's pattern
///    `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`,
///    keeping the matches and dropping what lies between them (the spaces).
///
/// Unlike OpenAI's original tokenizer, transformers applies neither ftfy nor `html.unescape`:
/// `&amp;` stays `&`, `amp`, `;`. Special tokens written exactly are found earlier, in the raw
/// text (`CLIPTokenizer`); here a lower-cased `<|ENDOFTEXT|>` is ordinary text.
public enum CLIPPreTokenizer {
    /// How the pattern sees a scalar: `\s`, `\p{L}`, `\p{N}`, or anything else (shared with
    /// the other byte-level tokenizers: `RegexCharacterClass`).
    public typealias CharacterClass = RegexCharacterClass

    /// The Unicode version of the reference's regular expressions (Oniguruma in `tokenizers`
    /// 0.23): a scalar assigned later is unassigned to it, so neither a letter nor a number.
    public static let unicodeVersion = RegexCharacterClass.unicodeVersion

    public static func characterClass(_ c: Unicode.Scalar) -> CharacterClass {
        RegexCharacterClass(c)
    }

    /// Step 1: NFC, whitespace runs to one space, lower case.
    public static func normalize<S: StringProtocol>(_ text: S) -> [Unicode.Scalar] {
        let composed: String = text.utf8.allSatisfy { $0 < 0x80 }
            ? String(text) : String(text).precomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(composed.unicodeScalars.count)
        var inSpace = false
        for c in composed.unicodeScalars {
            if characterClass(c) == .whitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
                continue
            }
            inSpace = false
            if c.isASCII {
                out.append((0x41...0x5A).contains(c.value) ? Unicode.Scalar(UInt8(c.value + 32)) : c)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    private static let specialTokens: [[Unicode.Scalar]] = ["<|startoftext|>", "<|endoftext|>"]
        .map { Array($0.unicodeScalars) }
    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"]
        .map { Array($0.unicodeScalars) }

    /// Step 2: the words of normalised text, in order.
    ///
    /// The alternatives are tried in the pattern's order at each position; runs are greedy (a
    /// run of marks does not stop where `'s` or a special token could begin). A special token's
    /// text becomes three words, `<|`, its name, `|>`: the ByteLevel pre-tokenizer that follows
    /// the split applies GPT-2's pattern to each word, and of all the words above only those
    /// mix classes.
    public static func words(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var i = 0
        func matches(_ token: [Unicode.Scalar], at p: Int) -> Bool {
            p + token.count <= s.count && s[p..<(p + token.count)].elementsEqual(token)
        }
        scan: while i < s.count {
            let c = s[i]
            let kind = characterClass(c)
            if kind == .whitespace {
                i += 1
                continue
            }
            if c == "<" {
                for token in specialTokens where matches(token, at: i) {
                    words.append(s[i..<(i + 2)])
                    words.append(s[(i + 2)..<(i + token.count - 2)])
                    words.append(s[(i + token.count - 2)..<(i + token.count)])
                    i += token.count
                    continue scan
                }
            }
            if c == "'" {
                for suffix in contractions where matches(suffix, at: i + 1) {
                    words.append(s[i..<(i + 1 + suffix.count)])
                    i += 1 + suffix.count
                    continue scan
                }
            }
            var end = i + 1
            switch kind {
            case .letter:
                while end < s.count && characterClass(s[end]) == .letter { end += 1 }
            case .other:
                while end < s.count && characterClass(s[end]) == .other { end += 1 }
            case .number, .whitespace:
                break
            }
            words.append(s[i..<end])
            i = end
        }
        return words
    }
}
