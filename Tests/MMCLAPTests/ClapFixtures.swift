import Foundation
import MMCLAP
import MMTensor
import MMTestSupport

/// The fixtures of Tests/Fixtures/clap (written by Scripts/fixtures/make_clap_fixtures.py;
/// Tests/Fixtures/clap/README.md describes them) and what the tests build from them.
enum ClapFixtures {
    static let tinyDirectory = TestPaths.fixture("clap/tiny")

    /// The tiny random CLAP, loaded once.
    static let tiny = Result { try ClapModel.load(directory: tinyDirectory) }

    struct TokenizerCases: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32] }
        let vocab_size: Int
        let max_length: Int
        let mask_lstrip_cases: Int
        let cases: [Case]
    }

    struct TextFixture: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32]; let embedding: [Float] }
        struct Batch: Decodable { let texts: [String]; let token_counts: [Int]; let embeddings: [[Float]] }
        let dimension: Int
        let cases: [Case]
        let batch: Batch
    }

    struct AudioFixture: Decodable {
        struct Clip: Decodable {
            let name: String
            let samples: Int
            let repeats: Int?
            let zero_padding: Int?
            let crop_offset: Int?
            let embedding: [Float]
        }
        struct ZeroShot: Decodable {
            let labels: [String]
            let logit_scale_a: Float
            let logit_scale_t: Float
            let probabilities: [[Float]]
            let text_probabilities: [[Float]]
        }
        let features: String
        let features_shape: [Int]
        let clips: [Clip]
        let zero_shot: ZeroShot
    }

    static func audioFixture() throws -> AudioFixture { try TestPaths.json(AudioFixture.self, "clap/tiny-audio.json") }

    /// A little-endian float32 file of Tests/Fixtures/clap.
    static func floats(_ relative: String) throws -> [Float] { try TestPaths.float32s("clap/\(relative)") }

    /// A committed clip: little-endian int16 samples.
    static func int16Clip(_ name: String) throws -> [Int16] {
        let data = try Data(contentsOf: TestPaths.fixture("clap/clips/\(name).s16"))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 2)).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        }
    }

    /// Scripts/fixtures/clap_audio.py `lcg_noise`.
    static func lcgNoise(count: Int, seed: Int = 20250301) -> [Int16] {
        var x = seed
        return (0..<count).map { _ in
            x = (1103515245 * x + 12345) % 2147483648
            return Int16(((x >> 8) % 6553) - 3276)
        }
    }

    /// The five clips by name, as clap_audio.py `clips` builds them, as the float samples the
    /// feature extractor gets (`s / 32768`).
    static let clips = Result { () throws -> [String: [Float]] in
        let sweep = try int16Clip("sweep"), speech = try int16Clip("speech")
        let base = sweep + speech
        let long = (0..<504_000).map { base[$0 % base.count] }
        let int16: [String: [Int16]] = [
            "sweep": sweep, "speech": speech, "short": Array(sweep[0..<6240]),
            "noise": lcgNoise(count: 480_000), "long": long,
        ]
        return int16.mapValues { $0.map { Float($0) / 32768 } }
    }

    static func temporaryDirectory(_ label: String) throws -> URL { try TestPaths.temporaryDirectory("mmclap-\(label)") }
}
