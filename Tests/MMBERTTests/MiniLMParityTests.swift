import Foundation
import MMTestSupport
import MMTensor
import MMBERT
import Testing

/// Parity with sentence-transformers' all-MiniLM-L6-v2 on fixtures made by
/// Scripts/fixtures/make_text_fixtures.py.
@Suite(.serialized)
struct MiniLMParityTests {
    struct TokenizerFixture: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32] }
        let max_length: Int
        let cases: [Case]
    }

    struct EmbeddingFixture: Decodable {
        struct Case: Decodable { let text: String; let embedding: [Float] }
        struct Batch: Decodable { let texts: [String]; let embeddings: [[Float]] }
        let cases: [Case]
        let batch: Batch
    }

    static let encoder = Result { try SentenceTransformer(directory: TestPaths.litePack("all-MiniLM-L6-v2")) }

    @Test func tokenizerIdsMatchTheReferenceOnEveryFixtureString() throws {
        let fixture = try TestPaths.json(TokenizerFixture.self, "lite/tokenizer.json")
        let tokenizer = try WordPieceTokenizer(
            contentsOf: TestPaths.litePack("all-MiniLM-L6-v2/tokenizer.json"), maxLength: fixture.max_length)
        let mismatches = TokenIDMismatches(fixture.cases.map { ($0.text, $0.ids) }, shown: 40, encode: { tokenizer.encode($0) })
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(fixture.cases.count >= 200)
    }

    @Test func sentenceEmbeddingsMatchTheReferenceWithin1e4() throws {
        let fixture = try TestPaths.json(EmbeddingFixture.self, "lite/minilm-embeddings.json")
        let encoder = try Self.encoder.get()
        // One at a time, as the reference computed them.
        var worst: Float = 0
        for c in fixture.cases {
            let v = encoder.encode([c.text])[0]
            let d = maxAbsDifference(v, c.embedding)
            worst = max(worst, d)
            #expect(d <= 1e-4, "\(c.text.debugDescription.prefix(60)): max |Δ| = \(d)")
        }
        print("MiniLM single-text max |Δ| = \(worst) over \(fixture.cases.count) texts")
    }

    @Test func aBatchOfMixedLengthsMatchesTheReference() throws {
        let fixture = try TestPaths.json(EmbeddingFixture.self, "lite/minilm-embeddings.json")
        let encoder = try Self.encoder.get()
        let got = encoder.encode(fixture.batch.texts)
        for (i, text) in fixture.batch.texts.enumerated() {
            let d = maxAbsDifference(got[i], fixture.batch.embeddings[i])
            #expect(d <= 1e-4, "\(text.debugDescription.prefix(60)): max |Δ| = \(d)")
        }
        #expect(Set(fixture.batch.texts.map { encoder.tokenizer.encode($0).count }).count > 1,
                "the batch fixture must mix lengths to exercise the packed layout")
    }

    /// A service embeds concurrent queries together and must answer each exactly as the
    /// command line does alone: a text's embedding may not depend on its batch.
    @Test func aTextsEmbeddingInABatchIsItsEmbeddingAloneBitForBit() throws {
        let fixture = try TestPaths.json(EmbeddingFixture.self, "lite/minilm-embeddings.json")
        let texts = fixture.batch.texts + fixture.cases.map(\.text)
        #expect(Set(texts.map { try! Self.encoder.get().tokenizer.encode($0).count }).count > 3)
        for batchSize in [32, 5] {
            let encoder = try SentenceTransformer(directory: TestPaths.litePack("all-MiniLM-L6-v2"), batchSize: batchSize)
            let together = encoder.encode(texts)
            let reversed = Array(encoder.encode(texts.reversed()).reversed())
            for (i, text) in texts.enumerated() {
                let alone = encoder.encode([text])[0]
                #expect(together[i] == alone, "batch size \(batchSize): \(text.debugDescription.prefix(60)) differs, max |Δ| = \(maxAbsDifference(together[i], alone))")
                #expect(reversed[i] == alone, "batch size \(batchSize), reversed: \(text.debugDescription.prefix(60)) differs")
            }
        }
    }
}
