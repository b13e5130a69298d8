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
    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: TestPaths.fixture("clap/\(relative)"))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

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

    static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmclap-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Writes safetensors files: the header, then each tensor's bytes (or, with `sparse`, a file
/// extended to its full size without writing the data, which reads as zeros).
enum SafeTensorsWriter {
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let bytes: Data?
        var byteCount: Int { shape.reduce(1, *) * (dtype == "I64" ? 8 : dtype == "F32" ? 4 : 2) }
    }

    static func write(_ entries: [Entry], to url: URL, sparse: Bool = false) throws {
        var offset = 0
        var fields: [String] = []
        for e in entries {
            fields.append("\"\(e.name)\":{\"dtype\":\"\(e.dtype)\",\"shape\":\(e.shape),\"data_offsets\":[\(offset),\(offset + e.byteCount)]}")
            offset += e.byteCount
        }
        var header = Data(("{" + fields.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        if !sparse {
            for e in entries { file.append(e.bytes ?? Data(count: e.byteCount)) }
        }
        try file.write(to: url)
        if sparse {
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: UInt64(file.count + offset))
            try handle.close()
        }
    }

    /// The entries of an existing file, in data order.
    static func entries(of url: URL) throws -> [Entry] {
        let file = try SafeTensors(url: url)
        let data = try Data(contentsOf: url)
        return file.tensors.values.sorted { $0.byteRange.lowerBound < $1.byteRange.lowerBound }.map {
            Entry(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, bytes: data.subdata(in: $0.byteRange))
        }
    }
}
