import Foundation
import MMCLIP
import MMMedia
import MMTensor
import MMTestSupport
import Testing

/// The tiny random CLIP's image tower, CLIP's preprocessing and zero-shot probabilities
/// against transformers (`CLIPModel`, `CLIPImageProcessorPil`), on fixtures made by
/// Scripts/fixtures/make_clip_fixtures.py.
@Suite(.serialized)
struct CLIPVisionParityTests {
    static func images() throws -> CLIPFixtures.ImageFixture {
        try TestPaths.json(CLIPFixtures.ImageFixture.self, "clip/tiny-images.json")
    }

    @Test func imageEmbeddingsOfPixelTensorsMatchTheReferenceWithin1e4() throws {
        let fixture = try TestPaths.json(CLIPFixtures.VisionFixture.self, "clip/tiny-vision.json")
        let model = try CLIPFixtures.tiny.get()
        let pixels = try CLIPFixtures.floats(fixture.inputs)
        #expect(pixels.count == fixture.shape.reduce(1, *))
        let n = pixels.count / fixture.shape[0]
        // One at a time, then all in one batch: batching must not change a value.
        var worst: Float = 0
        for i in 0..<fixture.shape[0] {
            let v = try model.imageEmbeddings(pixelValues: Array(pixels[(i * n)..<((i + 1) * n)]))[0]
            let d = maxAbsDifference(v, fixture.embeddings[i])
            worst = max(worst, d)
            #expect(d <= 1e-4, "input \(i): max |Δ| = \(d)")
        }
        let batched = try model.imageEmbeddings(pixelValues: pixels)
        #expect(maxAbsDifference(batched.flatMap { $0 }, fixture.embeddings.flatMap { $0 }) <= 1e-4)
        print("CLIP tiny vision: max |Δ| = \(worst)")

        let gelu = try CLIPTextParityTests.tiny {
            $0.text_config.hidden_act = "gelu"
            $0.vision_config.hidden_act = "gelu"
        }
        let geluEmbeddings = try gelu.imageEmbeddings(pixelValues: pixels)
        #expect(maxAbsDifference(geluEmbeddings.flatMap { $0 }, fixture.gelu_embeddings.flatMap { $0 }) <= 1e-4)
    }

    /// Tolerance 0: resizing is Pillow's integer arithmetic reproduced exactly (MMMedia), the crop
    /// copies bytes, and rescale + normalise is a per-byte table computed with the reference's
    /// own float64 then float32 steps, so every value must be the same float.
    @Test func preprocessingOfRealPhotosIsBitIdenticalToCLIPImageProcessor() throws {
        let fixture = try Self.images()
        let model = try CLIPFixtures.tiny.get()
        let reference = try CLIPFixtures.floats(fixture.pixel_values)
        let n = model.visionModel.pixelCount
        #expect(reference.count == fixture.images.count * n)
        for (i, record) in fixture.images.enumerated() {
            let got = try model.preprocessor.pixelValues(CLIPFixtures.image(record))
            let want = Array(reference[(i * n)..<((i + 1) * n)])
            let differing = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(got.count == n && differing == 0,
                    "\(record.name): \(differing) of \(n) values differ (max |Δ| \(got.count == n ? maxAbsDifference(got, want) : .nan))")
        }
    }

    @Test func imageEmbeddingsOfRealPhotosMatchTheReferenceWithin1e4() throws {
        let fixture = try Self.images()
        let model = try CLIPFixtures.tiny.get()
        let got = try model.embed(images: fixture.images.map(CLIPFixtures.image))
        for (record, v) in zip(fixture.images, got) {
            let d = maxAbsDifference(v, record.embedding)
            #expect(d <= 1e-4, "\(record.name): max |Δ| = \(d)")
        }
    }

    @Test func zeroShotProbabilitiesMatchTheReferenceWithin1e4() throws {
        let fixture = try Self.images()
        let model = try CLIPFixtures.tiny.get()
        #expect(model.logitScale == fixture.zero_shot.logit_scale, "logit_scale must come from the weights")
        let probabilities = try model.zeroShot(images: fixture.images.map(CLIPFixtures.image),
                                               labels: fixture.zero_shot.labels)
        for (i, record) in fixture.images.enumerated() {
            let d = maxAbsDifference(probabilities[i], fixture.zero_shot.probabilities[i])
            #expect(d <= 1e-4, "\(record.name): max |Δ| = \(d)")
        }
    }

    @Test func theCropStartsAtTheFloorOfHalfTheExcess() {
        // 7 wide cropped to 4: CLIPImageProcessor starts at 3 // 2 = 1 (torchvision would round
        // 1.5 to 2); 2 wide padded to 5: ceil(3 / 2) = 2 zero columns first, 1 after.
        let row: [UInt8] = (0..<7).flatMap { [UInt8($0), 0, 0] }
        let wide = RGBImage(width: 7, height: 1, pixels: row)
        let cropped = CLIPImagePreprocessor.centerCropped(wide, width: 4, height: 1)
        #expect(stride(from: 0, to: 12, by: 3).map { cropped.pixels[$0] } == [1, 2, 3, 4])
        let narrow = RGBImage(width: 2, height: 1, pixels: [9, 9, 9, 8, 8, 8])
        let padded = CLIPImagePreprocessor.centerCropped(narrow, width: 5, height: 1)
        #expect(stride(from: 0, to: 15, by: 3).map { padded.pixels[$0] } == [0, 0, 9, 8, 0])
    }

    @Test func imagesThatCannotBePreprocessedAreErrorsNotCrashes() throws {
        let model = try CLIPFixtures.tiny.get()
        #expect(throws: (any Error).self) { try model.embed(images: [RGBImage(width: 0, height: 0, pixels: [])]) }
        #expect(throws: (any Error).self) {
            try model.embed(images: [RGBImage(width: 1, height: 4_000_000, pixels: [UInt8](repeating: 1, count: 12_000_000))])
        }
        #expect(throws: (any Error).self) { try model.imageEmbeddings(pixelValues: [1, 2, 3]) }
    }
}
