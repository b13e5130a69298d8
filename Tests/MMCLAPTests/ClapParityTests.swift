import Foundation
import MMCLAP
import MMTensor
import MMTestSupport
import Testing

/// The tiny random CLAP against transformers' `ClapModel` (get_text_features,
/// get_audio_features, logits_per_audio / logits_per_text) on fixtures made by
/// Scripts/fixtures/make_clap_fixtures.py.
@Suite(.serialized)
struct ClapParityTests {
    static func textFixture() throws -> ClapFixtures.TextFixture {
        try TestPaths.json(ClapFixtures.TextFixture.self, "clap/tiny-text.json")
    }

    // MARK: - Text

    @Test func tinyTokenizerGivesTheReferenceIds() throws {
        let model = try ClapFixtures.tiny.get()
        for c in try Self.textFixture().cases {
            #expect(model.tokenizer.encode(c.text) == c.ids, "\(c.text.debugDescription.prefix(60))")
        }
    }

    @Test func textEmbeddingsMatchTheReferenceWithin1e4() throws {
        let model = try ClapFixtures.tiny.get()
        let fixture = try Self.textFixture()
        #expect(model.dimension == fixture.dimension)
        var worst: Float = 0
        for c in fixture.cases {
            let v = try model.embed(texts: [c.text])[0]
            let d = maxAbsDifference(v, c.embedding)
            worst = max(worst, d)
            #expect(d <= 1e-4, "\(c.text.debugDescription.prefix(60)): max |Δ| = \(d)")
        }
        #expect(fixture.cases.contains { $0.ids.count == 512 }, "a text at the 512-token limit")
        print("CLAP tiny text: max |Δ| = \(worst)")
    }

    @Test func aPaddedBatchGivesEachTextItsOwnEmbedding() throws {
        let model = try ClapFixtures.tiny.get()
        let batch = try Self.textFixture().batch
        #expect(Set(batch.token_counts).count > 1, "the batch must mix lengths")
        let got = try model.embed(texts: batch.texts)
        for (i, text) in batch.texts.enumerated() {
            let d = maxAbsDifference(got[i], batch.embeddings[i])
            #expect(d <= 1e-4, "\(text.debugDescription.prefix(60)): max |Δ| = \(d)")
        }
    }

    @Test func positionsCountFromThePaddingIndexAndSkipPadTokens() throws {
        let model = try ClapFixtures.tiny.get()
        #expect(model.textModel.positionIDs([0, 50, 60, 2]) == [2, 3, 4, 5])
        #expect(model.textModel.positionIDs([0, 50, 1, 60, 2]) == [2, 3, 1, 4, 5])
        #expect(try Self.textFixture().cases.contains { $0.ids.dropFirst().contains(1) }, "a case with <pad> inside")
    }

    @Test func tokenIdsTheModelCannotTakeAreErrorsNotCrashes() throws {
        let model = try ClapFixtures.tiny.get()
        let vocab = Int32(model.config.text_config.vocab_size)
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [[]]) }
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [[0, vocab]]) }
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [[-1]]) }
        #expect(throws: (any Error).self) { try model.textEmbeddings(tokenIDs: [Array(repeating: 5, count: 513)]) }
        #expect(try model.textEmbeddings(tokenIDs: [Array(repeating: 5, count: 512)]).count == 1)
    }

    // MARK: - Audio

    @Test func audioEmbeddingsOfTheReferenceFeaturesMatchWithin1e4() throws {
        let model = try ClapFixtures.tiny.get()
        let fixture = try ClapFixtures.audioFixture()
        let features = try ClapFixtures.floats(fixture.features)
        let got = try model.audioEmbeddings(features: features)
        #expect(got.count == fixture.clips.count)
        var worst: Float = 0
        for (clip, v) in zip(fixture.clips, got) {
            let d = maxAbsDifference(v, clip.embedding)
            worst = max(worst, d)
            #expect(d <= 1e-4, "\(clip.name): max |Δ| = \(d)")
        }
        print("CLAP tiny audio (reference features): max |Δ| = \(worst)")
    }

    @Test func audioEmbeddingsFromSamplesMatchWithin1e4() throws {
        let model = try ClapFixtures.tiny.get()
        let fixture = try ClapFixtures.audioFixture()
        let clips = try ClapFixtures.clips.get()
        let samples = try fixture.clips.map { try #require(clips[$0.name]) }
        let got = try model.embed(audio48k: samples, cropOffsets: fixture.clips.map { $0.crop_offset ?? 0 })
        for (clip, v) in zip(fixture.clips, got) {
            let d = maxAbsDifference(v, clip.embedding)
            #expect(d <= 1e-4, "\(clip.name): max |Δ| = \(d)")
        }
        // One at a time gives the same vectors as a batch.
        let single = try model.embed(audio48k: [samples[1]])[0]
        #expect(maxAbsDifference(single, got[1]) <= 1e-6)
    }

    @Test func zeroShotProbabilitiesMatchWithin1e4() throws {
        let model = try ClapFixtures.tiny.get()
        let fixture = try ClapFixtures.audioFixture()
        let zs = fixture.zero_shot
        #expect(model.logitScaleAudio == zs.logit_scale_a && model.logitScaleText == zs.logit_scale_t)
        #expect(abs(model.logitScaleAudio - Float(log(model.config.logit_scale_init_value))) > 0.1,
                "the weights' scale, not the config's initial value")
        let audio = try model.audioEmbeddings(features: try ClapFixtures.floats(fixture.features))
        let labels = try model.embed(texts: zs.labels)
        let probabilities = model.zeroShotProbabilities(audioEmbeddings: audio, textEmbeddings: labels)
        for (i, row) in probabilities.enumerated() {
            let d = maxAbsDifference(row, zs.probabilities[i])
            #expect(d <= 1e-4, "\(fixture.clips[i].name): max |Δ| = \(d)")
        }
        // Text → audio uses logit_scale_t.
        let textToAudio = model.zeroShotProbabilities(audioEmbeddings: labels, textEmbeddings: audio,
                                                      logitScale: model.logitScaleText)
        for (i, row) in textToAudio.enumerated() {
            let d = maxAbsDifference(row, zs.text_probabilities[i])
            #expect(d <= 1e-4, "\(zs.labels[i]): max |Δ| = \(d)")
        }
        // The convenience entry point from samples agrees.
        let clips = try ClapFixtures.clips.get()
        let direct = try model.zeroShot(audio48k: [try #require(clips["noise"])], labels: zs.labels)
        let noise = try #require(fixture.clips.firstIndex { $0.name == "noise" })
        #expect(maxAbsDifference(direct[0], zs.probabilities[noise]) <= 1e-4)
    }

    @Test func windowsThatDoNotTileTheGridPadItLikeTransformers() throws {
        // tiny-window6: 6x6 windows on 64, 32, 16 and 8 token grids (padded to 66, 36, 18, 12).
        struct Fixture: Decodable { let window_size: Int; let embeddings: [[Float]] }
        let fixture = try TestPaths.json(Fixture.self, "clap/tiny-window6.json")
        let dir = TestPaths.fixture("clap/tiny-window6")
        let tiny = try ClapFixtures.tiny.get()
        let config = try ClapConfig.load(dir.appendingPathComponent("config.json"))
        #expect(config.audio_config.window_size == fixture.window_size)
        let model = try ClapModel(config: config,
                                  weights: Weights(SafeTensors(url: dir.appendingPathComponent("model.safetensors"))),
                                  tokenizer: tiny.tokenizer, featureExtractor: tiny.featureExtractor)
        let got = try model.audioEmbeddings(features: try ClapFixtures.floats(try ClapFixtures.audioFixture().features))
        for (i, v) in got.enumerated() {
            let d = maxAbsDifference(v, fixture.embeddings[i])
            #expect(d <= 1e-4, "clip \(i): max |Δ| = \(d)")
        }
    }

    @Test func featuresOfTheWrongSizeAreAnError() throws {
        let model = try ClapFixtures.tiny.get()
        #expect(throws: (any Error).self) { try model.audioEmbeddings(features: [Float](repeating: 0, count: 1000)) }
        #expect(try model.audioEmbeddings(features: []).isEmpty)
        #expect(throws: (any Error).self) { try model.embed(audio48k: [[]]) }
    }
}
