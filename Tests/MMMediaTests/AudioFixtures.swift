import Foundation
import Testing
@testable import MMMedia

/// Tests/Fixtures/audio, written by Scripts/fixtures/make_audio_fixtures.py (ffmpeg's decodes,
/// libsamplerate's resampling).
enum AudioFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/audio", isDirectory: true)

    struct DecodeCase: Decodable, CustomTestStringConvertible {
        let name: String
        let file: String
        let format: String
        let sample_rate: Int
        let channels: Int
        let frames: Int
        let reference: String
        let tolerance: Float
        var testDescription: String { name }
    }

    struct ResampleCase: Decodable, CustomTestStringConvertible {
        let name: String
        let file: String
        let input_rate: Int
        let sample_rate: Int
        let quality: String
        let samples: Int
        let reference: String
        let tolerance: Float
        var testDescription: String { name }
    }

    struct BadCase: Decodable, CustomTestStringConvertible {
        let name: String
        let file: String
        let kind: String
        var testDescription: String { name }
    }

    struct Sine: Decodable {
        let file: String
        let sample_rate: Int
        let frequency: Double
        let amplitude: Double
        let frames: Int
    }

    struct LongClip: Decodable, CustomTestStringConvertible {
        let file: String
        let sample_rate: Int
        let frames: Int
        var testDescription: String { file }
    }

    struct Index: Decodable {
        let decode: [DecodeCase]
        let resample: [ResampleCase]
        let bad: [BadCase]
        let sine: Sine
        let long: [LongClip]
    }

    /// The parsed index; a broken or missing index fails `AudioFixtureIndexTests`.
    static let index: Result<Index, Error> = Result {
        let data = try Data(contentsOf: root.appendingPathComponent("index.json"))
        return try JSONDecoder().decode(Index.self, from: data)
    }

    static var decodeCases: [DecodeCase] { (try? index.get().decode) ?? [] }
    static var resampleCases: [ResampleCase] { (try? index.get().resample) ?? [] }
    static var badCases: [BadCase] { (try? index.get().bad) ?? [] }
    static var longClips: [LongClip] { (try? index.get().long) ?? [] }

    static func url(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }

    /// A fixture path relative to the fixture folder, as a user's `mmsearch index audio` gives it.
    static func relativeURL(_ relative: String) -> URL {
        URL(fileURLWithPath: relative, relativeTo: root)
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relative)))
    }

    static func floats(_ relative: String) throws -> [Float] {
        let data = try bytes(relative)
        try #require(data.count % 4 == 0)
        return stride(from: 0, to: data.count, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
    }
}

/// Equal length and every sample within `tolerance` (0: bit-identical), reporting the largest
/// difference and where it is instead of dumping arrays.
func expectSamples(_ actual: [Float], _ expected: [Float], tolerance: Float, _ label: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) samples, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var worst: Float = 0
    var worstIndex = 0
    var differing = 0
    for i in actual.indices where actual[i] != expected[i] {
        differing += 1
        let difference = abs(actual[i] - expected[i])
        if !(difference <= worst) {
            worst = difference
            worstIndex = i
        }
    }
    if differing > 0 && !(worst <= tolerance) {
        Issue.record("""
            \(label): \(differing) of \(actual.count) samples differ, max |diff| \(worst) at \(worstIndex) \
            (\(actual[worstIndex]) vs \(expected[worstIndex])), tolerance \(tolerance)
            """, sourceLocation: sourceLocation)
    }
}
