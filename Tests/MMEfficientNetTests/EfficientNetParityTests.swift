import Foundation
import MMEfficientNet
import MMTensor
import MMTestSupport
import Testing

/// Parity with efficientnet-lite-pytorch's EfficientNet-Lite0 on the same input tensors
/// (Scripts/fixtures/make_efficientnet_fixtures.py).
@Suite(.serialized)
struct EfficientNetParityTests {
    struct LogitsFixture: Decodable {
        let inputs: String
        let shape: [Int]
        let logits: [[Float]]
    }

    static func loadModel() throws -> EfficientNetLite {
        let dir = try TestPaths.litePack("efficientnet-lite0")
        return try EfficientNetLite(config: EfficientNetConfig.load(dir.appendingPathComponent("config.json")),
                                    weights: Weights(SafeTensors(url: dir.appendingPathComponent("model.safetensors"))))
    }

    static func inputs(_ fixture: LogitsFixture) throws -> [Float] {
        let data = try Data(contentsOf: TestPaths.fixture("lite/\(fixture.inputs)"))
        let count = fixture.shape.reduce(1, *)
        try #require(data.count == count * 2, "\(fixture.inputs): \(data.count) bytes for \(count) halfs")
        return data.withUnsafeBytes { raw in
            (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))) }
        }
    }

    @Test func logitsMatchTheReferenceWithin1e3OnTheSameInput() throws {
        let fixture = try TestPaths.json(LogitsFixture.self, "lite/efficientnet-logits.json")
        let model = try Self.loadModel()
        let x = try Self.inputs(fixture)
        let n = fixture.shape[0], per = x.count / n
        // Each input alone, then all in one batch: batching must not change a logit.
        let arena = ScratchArena()
        for i in 0..<n {
            let logits = x.withUnsafeBufferPointer { model.logits($0.baseAddress! + i * per, batch: 1, arena: arena) }
            let d = maxAbsDifference(logits, fixture.logits[i])
            print("EfficientNet-Lite0 input \(i): max |Δ logit| = \(d)")
            #expect(d <= 1e-3, "input \(i): max |Δ logit| = \(d)")
        }
        let batched = x.withUnsafeBufferPointer { model.logits($0.baseAddress!, batch: n, arena: arena) }
        #expect(maxAbsDifference(batched, fixture.logits.flatMap { $0 }) <= 1e-3)
    }
}
