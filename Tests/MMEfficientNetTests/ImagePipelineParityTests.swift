import Foundation
import MMEfficientNet
import MMMedia
import MMTensor
import MMTestSupport
import Testing

/// The whole image pipeline — our decoder, the reference preprocessing, EfficientNet-Lite0 —
/// against the PyTorch reference on every photo in Media/ (Scripts/fixtures/make_efficientnet_fixtures.py).
@Suite(.serialized)
struct ImagePipelineParityTests {
    struct ImagesFixture: Decodable {
        struct Image: Decodable {
            let path: String
            let decoded_size: [Int]
            let top5: [Int]
            let logits: [Float]
        }
        let draft: Bool
        let images: [Image]
    }

    static let model = Result { try EfficientNetParityTests.loadModel() }

    /// Decodes and preprocesses as `ConSEImageEncoder` does, then runs the network.
    static func check(fixture name: String, draft: Bool) throws {
        let fixture = try TestPaths.json(ImagesFixture.self, name)
        #expect(fixture.draft == draft)
        try #require(fixture.images.count >= 20, "\(name) covers \(fixture.images.count) photos: regenerate it after Media/ changes")
        let model = try model.get()
        let p = model.config.preprocessing
        let arena = ScratchArena()
        var worst: Float = 0
        for image in fixture.images {
            let url = TestPaths.repository.appendingPathComponent(image.path)
            let rgb = try ImageDecoder.decode(contentsOf: url, draft: draft ? (p.resize_shortest_side, p.resize_shortest_side) : nil)
            #expect([rgb.width, rgb.height] == image.decoded_size, "\(image.path): decoded size")
            let input = rgb.resizedShortestSide(to: p.resize_shortest_side, filter: .bilinear)
                .centerCropped(width: p.crop, height: p.crop)
                .chwTensor(mean: p.mean, std: p.std)
            let logits = input.withUnsafeBufferPointer { model.logits($0.baseAddress!, batch: 1, arena: arena) }
            let d = maxAbsDifference(logits, image.logits)
            worst = max(worst, d)
            #expect(d <= 1e-3, "\(image.path): max |Δ logit| = \(d)")
            let top5 = Array(logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }.prefix(5))
            #expect(top5 == image.top5, "\(image.path): top-5 \(top5), reference \(image.top5)")
        }
        print("\(name): \(fixture.images.count) photos, max |Δ logit| = \(worst)")
    }

    @Test func top5AndLogitsMatchTheReferenceWithDCTScaledDecoding() throws {
        try Self.check(fixture: "lite/images-draft.json", draft: true)
    }

    @Test func top5AndLogitsMatchTheReferenceWithFullDecoding() throws {
        try Self.check(fixture: "lite/images.json", draft: false)
    }
}
