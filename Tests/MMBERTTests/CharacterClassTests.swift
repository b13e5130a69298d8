@testable import MMBERT
import Testing

/// The tokenizer answers ASCII's character classes without Unicode's property tables; those
/// answers must be the tables' own (the Rust tokenizers' BERT normaliser: White_Space, the Cc,
/// Cf and Co categories, ASCII punctuation ranges and the P* categories).
struct CharacterClassTests {
    @Test func asciiClassesAreUnicodesOwn() {
        for value in UInt32(0)..<128 {
            let c = Unicode.Scalar(value)!
            let category = c.properties.generalCategory
            let tab = c == "\t" || c == "\n" || c == "\r"
            #expect(WordPieceTokenizer.isWhitespace(c) == (tab || c.properties.isWhitespace), "\(value)")
            #expect(WordPieceTokenizer.isControl(c) == (!tab && [.control, .format, .privateUse].contains(category)), "\(value)")
            let punctuation: [Unicode.GeneralCategory] = [.connectorPunctuation, .dashPunctuation, .closePunctuation,
                                                          .finalPunctuation, .initialPunctuation, .otherPunctuation,
                                                          .openPunctuation]
            // BERT counts every non-alphanumeric printable ASCII character as punctuation ($, +, ^, `…).
            let bertPunctuation = (33...47).contains(value) || (58...64).contains(value)
                || (91...96).contains(value) || (123...126).contains(value)
            #expect(WordPieceTokenizer.isPunctuation(c) == (bertPunctuation || punctuation.contains(category)), "\(value)")
        }
    }
}
