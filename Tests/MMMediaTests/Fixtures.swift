import Foundation
import Testing
@testable import MMMedia

/// Tests/Fixtures/media, written by Scripts/fixtures/make_media_fixtures.py (Pillow's results).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/media", isDirectory: true)

    struct Raw: Decodable {
        let file: String
        let width: Int
        let height: Int
    }

    struct DecodeCase: Decodable, CustomTestStringConvertible {
        let name: String
        let file: String
        let draft: [Int]?
        let reference: Raw
        var testDescription: String { name }
    }

    struct ResizeCase: Decodable, CustomTestStringConvertible {
        let name: String
        let input: String
        let input_width: Int
        let input_height: Int
        let filter: String
        let reference: Raw
        var testDescription: String { name }
    }

    struct GeometryCase: Decodable, CustomTestStringConvertible {
        let name: String
        let op: String
        let size: Int?
        let crop_width: Int?
        let crop_height: Int?
        let filter: String?
        let input: String
        let input_width: Int
        let input_height: Int
        let reference: Raw
        var testDescription: String { name }
    }

    struct PipelineCase: Decodable, CustomTestStringConvertible {
        let name: String
        let file: String
        let draft: [Int]?
        let short_side: Int
        let crop: Int
        let decoded_width: Int
        let decoded_height: Int
        let reference: Raw
        var testDescription: String { name }
    }

    struct TensorCase: Decodable, CustomTestStringConvertible {
        let name: String
        let input: String
        let input_width: Int
        let input_height: Int
        let mean: [Double]
        let std: [Double]
        let reference: String
        var testDescription: String { name }
    }

    struct BadCase: Decodable, CustomTestStringConvertible {
        let name: String
        let file: String
        let kind: String
        var testDescription: String { name }
    }

    struct Index: Decodable {
        let decode: [DecodeCase]
        let resize: [ResizeCase]
        let geometry: [GeometryCase]
        let pipeline: [PipelineCase]
        let tensor: [TensorCase]
        let bad: [BadCase]
    }

    /// The parsed index; a broken or missing index fails `FixtureIndexTests`.
    static let index: Result<Index, Error> = Result {
        let data = try Data(contentsOf: root.appendingPathComponent("index.json"))
        return try JSONDecoder().decode(Index.self, from: data)
    }

    /// Cases for parameterised tests (empty when the index is broken; see above).
    static var decodeCases: [DecodeCase] { (try? index.get().decode) ?? [] }
    static var resizeCases: [ResizeCase] { (try? index.get().resize) ?? [] }
    static var geometryCases: [GeometryCase] { (try? index.get().geometry) ?? [] }
    static var pipelineCases: [PipelineCase] { (try? index.get().pipeline) ?? [] }
    static var tensorCases: [TensorCase] { (try? index.get().tensor) ?? [] }
    static var badCases: [BadCase] { (try? index.get().bad) ?? [] }

    static func url(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relative)))
    }

    static func image(_ raw: Raw) throws -> RGBImage {
        try image(raw.file, width: raw.width, height: raw.height)
    }

    static func image(_ relative: String, width: Int, height: Int) throws -> RGBImage {
        let pixels = try bytes(relative)
        try #require(pixels.count == width * height * 3, "\(relative): \(pixels.count) bytes for \(width)x\(height)")
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func floats(_ relative: String) throws -> [Float] {
        let data = try bytes(relative)
        try #require(data.count % 4 == 0)
        return stride(from: 0, to: data.count, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
    }
}

/// Bit-identity with a reference, reporting the size, the first differing byte and how many
/// differ, instead of dumping arrays.
func expectIdentical(_ actual: RGBImage, _ expected: RGBImage, _ label: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.width == expected.width, actual.height == expected.height else {
        Issue.record("\(label): size \(actual.width)x\(actual.height), expected \(expected.width)x\(expected.height)",
                     sourceLocation: sourceLocation)
        return
    }
    var differing = 0
    var first: Int?
    var largest = 0
    for i in actual.pixels.indices where actual.pixels[i] != expected.pixels[i] {
        differing += 1
        if first == nil { first = i }
        largest = max(largest, abs(Int(actual.pixels[i]) - Int(expected.pixels[i])))
    }
    if let first {
        let pixel = first / 3
        Issue.record("""
            \(label): \(differing) of \(actual.pixels.count) bytes differ (max |diff| \(largest)); first at \
            x=\(pixel % actual.width) y=\(pixel / actual.width) channel \(first % 3): \
            \(actual.pixels[first]) vs \(expected.pixels[first])
            """, sourceLocation: sourceLocation)
    }
}

extension ResampleFilter {
    init(fixture name: String) throws {
        self = try #require(ResampleFilter(rawValue: name), "unknown filter \(name)")
    }
}
