import Foundation
import MMCLAP
import MMTensor
import MMTestSupport
import Testing

/// The RoBERTa tokenizer against transformers' RobertaTokenizer on the tiny model's vocabulary
/// (a byte-level BPE trained by `tokenizers` for the fixtures), and GPT-2's split on its own.
@Suite(.serialized)
struct ClapTokenizerTests {
    static func fixture() throws -> ClapFixtures.TokenizerCases {
        try TestPaths.json(ClapFixtures.TokenizerCases.self, "clap/tokenizer.json")
    }

    static func tokenizer() throws -> ClapTokenizer { try ClapTokenizer(directory: ClapFixtures.tinyDirectory) }

    @Test func idsMatchTransformersOnEveryFixtureString() throws {
        let fixture = try Self.fixture()
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.maxLength == fixture.max_length)
        #expect(tokenizer.vocabularySize == fixture.vocab_size)
        let mismatches = TokenIDMismatches(fixture.cases.map { ($0.text, $0.ids) }, encode: { tokenizer.encode($0) })
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(fixture.cases.count >= 250)
        #expect(fixture.cases.contains { $0.ids.count == fixture.max_length }, "no case reaches 512 ids")
    }

    @Test func maskTakesTheWhitespaceBeforeItOnlyWhereTokenizerJSONSaysSo() throws {
        let withJSON = try Self.tokenizer()
        let dir = ClapFixtures.tinyDirectory
        let plain = try ClapTokenizer(vocabulary: dir.appendingPathComponent("vocab.json"),
                                      merges: dir.appendingPathComponent("merges.txt"))
        let mask = withJSON.encode("<mask>")[1]
        #expect(withJSON.encode("a <mask>") == [withJSON.startID, withJSON.encode("a")[1], mask, withJSON.endID])
        #expect(plain.encode("a <mask>").count == 5, "without tokenizer.json the space stays a token")
        #expect(withJSON.encode("a dog") == plain.encode("a dog"))
        #expect(try Self.fixture().mask_lstrip_cases > 0)
    }

    @Test func longTextsAreCutTo512IdsWithTheEndTokenLast() throws {
        let tokenizer = try Self.tokenizer()
        let ids = tokenizer.encode(String(repeating: "a dog barking ", count: 400))
        #expect(ids.count == 512)
        #expect(ids.first == tokenizer.startID && ids.last == tokenizer.endID)
        #expect(tokenizer.encode("") == [tokenizer.startID, tokenizer.endID])
        #expect(try ClapTokenizer(directory: ClapFixtures.tinyDirectory, maxLength: 8).encode(String(repeating: "x ", count: 20)).count == 8)
    }

    @Test func gpt2SplitKeepsOneSpaceBeforeEachWordAndGroupsRuns() {
        func words(_ s: String) -> [String] {
            let scalars = Array(s.unicodeScalars)
            return GPT2PreTokenizer.words(scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
        }
        #expect(words("a  dog") == ["a", " ", " dog"])
        #expect(words("a dog  ") == ["a", " dog", "  "])
        #expect(words("a\n\ndog") == ["a", "\n", "\n", "dog"])
        #expect(words("a \tdog") == ["a", " ", "\t", "dog"])
        #expect(words("don't DON'T") == ["don", "'t", " DON", "'", "T"])
        #expect(words("1234 abc!?") == ["1234", " abc", "!?"])
        #expect(words(" 's x!'s") == [" '", "s", " x", "!'", "s"])
        #expect(words("café 中文 🙂🙂") == ["café", " 中文", " 🙂🙂"])
        let mixed = "a \u{00A0}b\u{2003} c"
        #expect(words(mixed).joined() == mixed, "the words are the whole text")
    }

    @Test func malformedTokenizerFilesAreErrorsNamingTheFile() throws {
        let dir = try ClapFixtures.temporaryDirectory("badtok")
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        try #"{"<s>": 0, "<pad>": 1, "</s>": 2, "a": 3, "b": 4, "ab": 5}"#.write(to: vocab, atomically: true, encoding: .utf8)
        try "#version: 0.2\na b\nab c\n".write(to: merges, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("merges.txt", "line 3: merge 'ab c' uses a token that is not in the vocabulary")) {
            try ClapTokenizer(vocabulary: vocab, merges: merges)
        }
        try "#version: 0.2\na b\nabc\n".write(to: merges, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("merges.txt", "line 3 is not a 'left right' pair: \"abc\"")) {
            try ClapTokenizer(vocabulary: vocab, merges: merges)
        }
        try #"{"a": 0}"#.write(to: vocab, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("vocab.json", "<s>, </s> or <pad> is not in the vocabulary")) {
            try ClapTokenizer(vocabulary: vocab, merges: merges)
        }
        try "[1, 2]".write(to: vocab, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError.self) { try ClapTokenizer(vocabulary: vocab, merges: merges) }
    }
}
