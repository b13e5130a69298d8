/// How the split patterns of `tokenizers`' pre-tokenizers (CLIP's split, GPT-2's ByteLevel
/// pattern that RoBERTa uses) see a scalar: `\s`, `\p{L}`, `\p{N}`, or anything else.
///
/// `tokenizers` 0.23 runs those patterns with Oniguruma, whose tables are Unicode 16.0: a scalar
/// assigned later is unassigned to it, so neither a letter nor a number. Pinned on every scalar
/// by the CLIP fixtures (Tests/Fixtures/clip/unicode.json).
public enum RegexCharacterClass: Sendable, Equatable {
    case whitespace, letter, number, other

    /// The Unicode version of the reference's regular expressions.
    public static let unicodeVersion = (major: 16, minor: 0)

    public init(_ c: Unicode.Scalar) {
        if c.isASCII {
            switch c.value {
            case 0x41...0x5A, 0x61...0x7A: self = .letter
            case 0x30...0x39: self = .number
            case 0x09...0x0D, 0x20: self = .whitespace
            default: self = .other
            }
            return
        }
        if c.properties.isWhitespace {
            self = .whitespace
            return
        }
        if let age = c.properties.age, (age.major, age.minor) > Self.unicodeVersion {
            self = .other
            return
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        default:
            self = .other
        }
    }
}
