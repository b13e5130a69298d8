import Foundation
import MMCLIP
import MMMedia
import MMTensor
import MMTestSupport

/// The fixtures of Tests/Fixtures/clip (written by Scripts/fixtures/make_clip_fixtures.py;
/// Tests/Fixtures/clip/README.md describes them) and what the tests build from them.
enum CLIPFixtures {
    static let tinyDirectory = TestPaths.fixture("clip/tiny")

    /// The tiny random CLIP, loaded once.
    static let tiny = Result { try CLIPModel.load(directory: tinyDirectory) }

    struct TokenizerCases: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32] }
        let context_length: Int
        let vocab_size: Int
        let merge_count: Int
        let first_merge: [String]
        let last_merge: [String]
        let vocab_samples: [[StringOrInt]]
        let cases: [Case]
    }

    enum StringOrInt: Decodable {
        case string(String), int(Int)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
        var string: String? { if case .string(let s) = self { s } else { nil } }
        var int: Int? { if case .int(let i) = self { i } else { nil } }
    }

    struct TextFixture: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32]; let embedding: [Float] }
        struct Batch: Decodable { let texts: [String]; let token_counts: [Int]; let embeddings: [[Float]] }
        struct IDCase: Decodable { let ids: [Int32]; let embedding: [Float]; let embedding_eos_token_id_2: [Float] }
        struct Gelu: Decodable { let texts: [String]; let embeddings: [[Float]] }
        let eos_token_id: Int
        let cases: [Case]
        let batch: Batch
        let id_cases: [IDCase]
        let gelu: Gelu
    }

    struct VisionFixture: Decodable {
        let inputs: String
        let shape: [Int]
        let embeddings: [[Float]]
        let gelu_embeddings: [[Float]]
    }

    struct ImageFixture: Decodable {
        struct Image: Decodable { let name: String; let rgb: String; let width: Int; let height: Int; let embedding: [Float] }
        struct ZeroShot: Decodable { let labels: [String]; let logit_scale: Float; let probabilities: [[Float]] }
        let pixel_values: String
        let shape: [Int]
        let images: [Image]
        let zero_shot: ZeroShot
    }

    /// A little-endian float32 file of Tests/Fixtures/clip.
    static func floats(_ relative: String) throws -> [Float] { try TestPaths.float32s("clip/\(relative)") }

    /// A raw RGB image of Tests/Fixtures/clip.
    static func image(_ record: ImageFixture.Image) throws -> RGBImage {
        let data = try Data(contentsOf: TestPaths.fixture("clip/\(record.rgb)"))
        return RGBImage(width: record.width, height: record.height, pixels: [UInt8](data))
    }

    static func temporaryDirectory(_ label: String) throws -> URL { try TestPaths.temporaryDirectory("mmclip-\(label)") }
}

/// CLIP's real `vocab.json` + `merges.txt`, derived from OpenAI's merges file in
/// ../shared/data/clip (see its README) the way Scripts/fixtures/clip_bpe.py derives them.
enum RealVocabulary {
    static let mergesFile = TestPaths.repository.deletingLastPathComponent()
        .appendingPathComponent("shared/data/clip/bpe_simple_vocab_16e6.txt.gz")
    static let mergeCount = 49152 - 256 - 2

    /// A directory holding the two files, made once per test run.
    static let directory = Result { try make() }

    /// The 256 byte symbols in the byte table's order: the printable bytes as themselves, then
    /// the others as U+0100, U+0101, …
    static var byteSymbols: [String] {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        let shifted = (0..<(256 - printable.count)).map { 256 + $0 }
        return (printable + shifted).map { String(Unicode.Scalar(UInt32($0))!) }
    }

    private static func make() throws -> URL {
        guard FileManager.default.fileExists(atPath: mergesFile.path) else {
            throw SetupError("\(mergesFile.path) is missing: the tests need ../shared beside the repository")
        }
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-dc", mergesFile.path]
        let pipe = Pipe()
        gzip.standardOutput = pipe
        gzip.standardInput = FileHandle.nullDevice
        try gzip.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        guard gzip.terminationStatus == 0, let text = String(data: data, encoding: .utf8) else {
            throw SetupError("gzip -dc \(mergesFile.path) failed")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let merges = lines[1...mergeCount].map(String.init)
        let symbols = byteSymbols
        let tokens = symbols + symbols.map { $0 + "</w>" } + merges.map { $0.replacingOccurrences(of: " ", with: "") }
            + [CLIPTokenizer.startToken, CLIPTokenizer.endToken]
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocabulary[token] = id }
        guard vocabulary.count == tokens.count else { throw SetupError("the derived vocabulary has duplicates") }

        let dir = try CLIPFixtures.temporaryDirectory("vocab")
        try JSONSerialization.data(withJSONObject: vocabulary).write(to: dir.appendingPathComponent("vocab.json"))
        try (["#version: 0.2"] + merges).joined(separator: "\n").appending("\n")
            .write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        return dir
    }
}
