import Foundation
import MMCLIP
import MMTensor
import MMTestSupport
import Testing

/// The tiny random CLIP's text tower against transformers' `CLIPModel.get_text_features`
/// (projected, L2-normalised) on fixtures made by Scripts/fixtures/make_clip_fixtures.py.
@Suite(.serialized)
struct CLIPTextParityTests {
    static func fixture() throws -> CLIPFixtures.TextFixture {
        try TestPaths.json(CLIPFixtures.TextFixture.self, "clip/tiny-text.json")
    }

    /// The tiny checkpoint under a changed configuration.
    static func tiny(_ change: (inout CLIPConfig) -> Void) throws -> CLIPModel {
        let model = try CLIPFixtures.tiny.get()
        var config = model.config
        change(&config)
        let weights = try SafeTensors(url: CLIPFixtures.tinyDirectory.appendingPathComponent("model.safetensors"))
        return try CLIPModel(config: config, weights: Weights(weights), tokenizer: model.tokenizer,
                             preprocessor: model.preprocessor)
    }

    @Test func tinyTokenizerGivesTheReferenceIds() throws {
        let model = try CLIPFixtures.tiny.get()
        for c in try Self.fixture().cases {
            #expect(model.tokenizer.encode(c.text) == c.ids, "\(c.text.debugDescription.prefix(60))")
        }
    }

    @Test func textEmbeddingsMatchTheReferenceWithin1e4() throws {
        let model = try CLIPFixtures.tiny.get()
        var worst: Float = 0
        for c in try Self.fixture().cases {
            let v = try model.embed(texts: [c.text])[0]
            let d = maxAbsDifference(v, c.embedding)
            worst = max(worst, d)
            #expect(d <= 1e-4, "\(c.text.debugDescription.prefix(60)): max |Δ| = \(d)")
        }
        print("CLIP tiny text: max |Δ| = \(worst)")
    }

    @Test func aPaddedBatchGivesEachTextsOwnEmbedding() throws {
        let model = try CLIPFixtures.tiny.get()
        let batch = try Self.fixture().batch
        #expect(Set(batch.token_counts).count > 1, "the batch must mix lengths")
        let got = try model.embed(texts: batch.texts)
        for (i, text) in batch.texts.enumerated() {
            let d = maxAbsDifference(got[i], batch.embeddings[i])
            #expect(d <= 1e-4, "\(text.debugDescription.prefix(60)): max |Δ| = \(d)")
        }
    }

    @Test func poolingReadsTheFirstEndTokenOrTheLargestIdWhenEosTokenIdIs2() throws {
        let fixture = try Self.fixture()
        let model = try CLIPFixtures.tiny.get()
        let legacy = try Self.tiny { $0.text_config.eos_token_id = 2 }
        #expect(model.config.text_config.eos_token_id == fixture.eos_token_id)
        for c in fixture.id_cases {
            let d = maxAbsDifference(try model.textEmbeddings(tokenIDs: [c.ids])[0], c.embedding)
            let dLegacy = maxAbsDifference(try legacy.textEmbeddings(tokenIDs: [c.ids])[0], c.embedding_eos_token_id_2)
            #expect(d <= 1e-4, "\(c.ids.prefix(12)): max |Δ| = \(d)")
            #expect(dLegacy <= 1e-4, "\(c.ids.prefix(12)) with eos_token_id 2: max |Δ| = \(dLegacy)")
        }
        // The two rules differ where the ids hold no end token.
        #expect(model.textModel.poolingPosition([1, 600, 3, 4]) == 0)
        #expect(legacy.textModel.poolingPosition([1, 600, 3, 4]) == 1)
    }

    @Test func geluFromTheConfigIsTheExactGelu() throws {
        let gelu = try Self.tiny {
            $0.text_config.hidden_act = "gelu"
            $0.vision_config.hidden_act = "gelu"
        }
        let fixture = try Self.fixture().gelu
        let got = try gelu.embed(texts: fixture.texts)
        for (i, text) in fixture.texts.enumerated() {
            let d = maxAbsDifference(got[i], fixture.embeddings[i])
            #expect(d <= 1e-4, "\(text.debugDescription.prefix(60)): max |Δ| = \(d)")
        }
    }

    @Test func tokenIdsTheModelCannotTakeAreErrorsNotCrashes() throws {
        let model = try CLIPFixtures.tiny.get()
        let vocab = Int32(model.config.text_config.vocab_size)
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [[]]) }
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [[0, vocab]]) }
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [[-1]]) }
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [Array(repeating: 5, count: 78)]) }
    }
}
