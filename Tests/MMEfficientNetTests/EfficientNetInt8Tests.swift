import Foundation
import MMEfficientNet
import MMMedia
import MMTensor
import MMTestSupport
import Testing

/// EfficientNet-Lite0 (the `lite` pack's real weights) with its pointwise convolutions at int8:
/// the reference's top-5 classes (PyTorch, f32) kept on at least 95 % of the photos of Media/
/// (both decodings) and the fixture inputs (issue 12's bar).
@Suite(.serialized)
struct EfficientNetInt8Tests {
    static let model = Result { () throws -> EfficientNetLite in
        let dir = try TestPaths.litePack("efficientnet-lite0")
        return try EfficientNetLite(config: EfficientNetConfig.load(dir.appendingPathComponent("config.json")),
                                    weights: Weights(SafeTensors(url: dir.appendingPathComponent("model.safetensors")),
                                                     precision: .int8))
    }

    static func top5(_ logits: [Float]) -> [Int] {
        Array(logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }.prefix(5))
    }

    @Test func int8KeepsTheReferenceTop5OnAtLeast95PercentOfPhotos() throws {
        let model = try Self.model.get()
        #expect(model.precision == .int8)
        let p = model.config.preprocessing
        let arena = ScratchArena()
        var kept = 0, sameTop1 = 0, total = 0, worstLogit: Float = 0
        var missed: [String] = []
        func compare(_ name: String, logits: [Float], reference: [Float]) {
            let mine = Self.top5(logits), theirs = Self.top5(reference)
            total += 1
            if Set(mine) == Set(theirs) { kept += 1 } else { missed.append(name) }
            if mine[0] == theirs[0] { sameTop1 += 1 }
            worstLogit = max(worstLogit, maxAbsDifference(logits, reference))
        }
        for (fixture, draft) in [("lite/images-draft.json", true), ("lite/images.json", false)] {
            for image in try TestPaths.json(ImagePipelineParityTests.ImagesFixture.self, fixture).images {
                let url = TestPaths.repository.appendingPathComponent(image.path)
                let rgb = try ImageDecoder.decode(contentsOf: url, draft: draft ? (p.resize_shortest_side, p.resize_shortest_side) : nil)
                let input = rgb.resizedShortestSide(to: p.resize_shortest_side, filter: .bilinear)
                    .centerCropped(width: p.crop, height: p.crop)
                    .chwTensor(mean: p.mean, std: p.std)
                let logits = input.withUnsafeBufferPointer { model.logits($0.baseAddress!, batch: 1, arena: arena) }
                compare("\(image.path)\(draft ? " (draft)" : "")", logits: logits, reference: image.logits)
            }
        }
        let fixture = try TestPaths.json(EfficientNetParityTests.LogitsFixture.self, "lite/efficientnet-logits.json")
        let x = try EfficientNetParityTests.inputs(fixture)
        let per = x.count / fixture.shape[0]
        for i in 0..<fixture.shape[0] {
            let logits = x.withUnsafeBufferPointer { model.logits($0.baseAddress! + i * per, batch: 1, arena: arena) }
            compare("fixture input \(i)", logits: logits, reference: fixture.logits[i])
        }
        print("EfficientNet-Lite0 int8: top-5 kept on \(kept) of \(total), top-1 on \(sameTop1); max |Δ logit| \(worstLogit); missed: \(missed)")
        #expect(total >= 40)
        #expect(Double(kept) >= 0.95 * Double(total), "top-5 kept on \(kept) of \(total): \(missed)")
    }
}
