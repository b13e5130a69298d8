import Foundation
import MMCLIP
import MMTensor
import MMTestSupport
import Testing

/// The tokenizer against transformers' CLIPTokenizer with the real vocabulary, and its
/// character classes and normaliser against `tokenizers` on every Unicode scalar.
@Suite(.serialized)
struct CLIPTokenizerTests {
    static func realTokenizer(contextLength: Int = 77) throws -> CLIPTokenizer {
        try CLIPTokenizer(directory: RealVocabulary.directory.get(), contextLength: contextLength)
    }

    @Test func derivedVocabularyIsTheOneTheFixturesWereMadeWith() throws {
        let fixture = try TestPaths.json(CLIPFixtures.TokenizerCases.self, "clip/tokenizer.json")
        let dir = try RealVocabulary.directory.get()
        let vocabulary = try JSONDecoder().decode([String: Int].self,
                                                  from: Data(contentsOf: dir.appendingPathComponent("vocab.json")))
        #expect(vocabulary.count == fixture.vocab_size)
        for sample in fixture.vocab_samples {
            let token = try #require(sample.first?.string), id = try #require(sample.last?.int)
            #expect(vocabulary[token] == id, "\(token.debugDescription)")
        }
        let merges = try String(contentsOf: dir.appendingPathComponent("merges.txt"), encoding: .utf8)
            .split(separator: "\n").dropFirst()
        #expect(merges.count == fixture.merge_count)
        #expect(merges.first.map(String.init) == fixture.first_merge.joined(separator: " "))
        #expect(merges.last.map(String.init) == fixture.last_merge.joined(separator: " "))
    }

    @Test func idsMatchTransformersOnEveryFixtureString() throws {
        let fixture = try TestPaths.json(CLIPFixtures.TokenizerCases.self, "clip/tokenizer.json")
        let tokenizer = try Self.realTokenizer(contextLength: fixture.context_length)
        let mismatches = TokenIDMismatches(fixture.cases.map { ($0.text, $0.ids) }, encode: { tokenizer.encode($0) })
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(fixture.cases.count >= 250)
        #expect(fixture.cases.contains { $0.ids.count == fixture.context_length }, "no case reaches the context length")
    }

    @Test func longTextsAreCutTo77IdsWithTheEndTokenLast() throws {
        let tokenizer = try Self.realTokenizer()
        let ids = tokenizer.encode(String(repeating: "a photo of a dog ", count: 40))
        #expect(ids.count == 77)
        #expect(ids.first == tokenizer.startID && ids.last == tokenizer.endID)
        #expect(tokenizer.encode("") == [tokenizer.startID, tokenizer.endID])
    }

    @Test func htmlEntitiesAndUpperCaseSpecialTokensStayText() throws {
        // transformers applies no html.unescape: "&amp;" is "&", "amp", ";". A special token only
        // counts written exactly; lower-cased "<|ENDOFTEXT|>" is text split as "<|", name, "|>".
        let tokenizer = try Self.realTokenizer()
        #expect(tokenizer.encode("&amp;") == tokenizer.encode("& amp ;"))
        #expect(tokenizer.encode("&amp;") != tokenizer.encode("&"))
        let (s, e) = (tokenizer.startID, tokenizer.endID)
        let a = tokenizer.encode("a")[1], b = tokenizer.encode("b")[1]
        #expect(tokenizer.encode("a<|endoftext|>b") == [s, a, e, b, e])
        #expect(tokenizer.encode("<|ENDOFTEXT|>") == tokenizer.encode("<| endoftext |>"))
        #expect(!tokenizer.encode("<|ENDOFTEXT|>").dropLast().contains(e))
    }

    struct UnicodeFixture: Decodable {
        let whitespace: [[UInt32]]
        let letters: [[UInt32]]
        let numbers: [[UInt32]]
        let normalized: [[CLIPFixtures.StringOrInt]]
    }

    @Test func characterClassesAgreeWithTokenizersOnEveryScalar() throws {
        let fixture = try TestPaths.json(UnicodeFixture.self, "clip/unicode.json")
        var expected = [CLIPPreTokenizer.CharacterClass](repeating: .other, count: 0x110000)
        for (ranges, kind) in [(fixture.whitespace, CLIPPreTokenizer.CharacterClass.whitespace),
                               (fixture.letters, .letter), (fixture.numbers, .number)] {
            for r in ranges { for v in r[0]...r[1] { expected[Int(v)] = kind } }
        }
        var mismatches: [String] = []
        for v in UInt32(0)..<0x110000 {
            guard let c = Unicode.Scalar(v) else { continue }
            let got = CLIPPreTokenizer.characterClass(c)
            if got != expected[Int(v)] {
                mismatches.append(String(format: "U+%04X: %@, tokenizers says %@", v, "\(got)", "\(expected[Int(v)])"))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) scalars differ:\n\(mismatches.prefix(50).joined(separator: "\n"))")
    }

    @Test func normalisationAgreesWithTokenizersOnEveryScalar() throws {
        let fixture = try TestPaths.json(UnicodeFixture.self, "clip/unicode.json")
        var expected: [UInt32: String] = [:]
        for pair in fixture.normalized {
            if let v = pair.first?.int, let s = pair.last?.string { expected[UInt32(v)] = s }
        }
        #expect(expected.count == fixture.normalized.count)
        var mismatches: [String] = []
        for v in UInt32(0)..<0x110000 {
            guard let c = Unicode.Scalar(v) else { continue }
            var got = String.UnicodeScalarView()
            got.append(contentsOf: CLIPPreTokenizer.normalize(String(c)))
            let want = expected[v] ?? String(c)
            if String(got).unicodeScalars.elementsEqual(want.unicodeScalars) == false {
                mismatches.append(String(format: "U+%04X", v) + ": got \(String(got).unicodeScalars.map { String($0.value, radix: 16) }), expected \(want.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) scalars differ:\n\(mismatches.prefix(50).joined(separator: "\n"))")
    }

    @Test func malformedTokenizerFilesAreErrorsNamingTheFile() throws {
        let dir = try CLIPFixtures.temporaryDirectory("badtok")
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        try #"{"a": 0, "b": 1, "ab": 2, "<|startoftext|>": 3, "<|endoftext|>": 4}"#.write(to: vocab, atomically: true, encoding: .utf8)
        try "#version: 0.2\na b\nab c\n".write(to: merges, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("merges.txt", "line 3: merge 'ab c' uses a token that is not in the vocabulary")) {
            try CLIPTokenizer(vocabulary: vocab, merges: merges)
        }
        try "#version: 0.2\na b\nabc\n".write(to: merges, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("merges.txt", "line 3 is not a 'left right' pair: \"abc\"")) {
            try CLIPTokenizer(vocabulary: vocab, merges: merges)
        }
        try #"{"a": 0}"#.write(to: vocab, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("vocab.json", "<|startoftext|> or <|endoftext|> is not in the vocabulary")) {
            try CLIPTokenizer(vocabulary: vocab, merges: merges)
        }
        try "[1, 2]".write(to: vocab, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError.self) { try CLIPTokenizer(vocabulary: vocab, merges: merges) }
    }
}
