// docs/EMBEDDING.md shows the code between the markers below verbatim; the test
// `theDocumentShowsThisCodeVerbatim` fails when the two drift apart.
// BEGIN EXAMPLE
import Foundation
import MMBuiltins
import MMSearchKit

/// Subtitles (.srt) as a modality of their own: the spoken lines, without the cue numbers and
/// timings, embedded with the pack's text encoder, so a text query finds the film whose
/// dialogue matches it.
struct SubtitleEncoder: Encoder {
    let info: EncoderInfo
    let text: any Encoder

    init(pack: ModelPack) throws {
        guard let text = pack.encoder(for: .text) else {
            throw EncoderError("pack \(pack.name) has no text encoder")
        }
        self.text = text
        info = EncoderInfo(name: "srt-lines", version: "1", modality: Modality("subtitles"),
                           space: pack.space, fileExtensions: ["srt"])
    }

    func embed(_ input: EncoderInput) throws -> [Float] {
        guard case .file(let url) = input else { throw EncoderError("srt-lines reads .srt files") }
        let lines = try String(contentsOf: url, encoding: .utf8)
            .split(whereSeparator: \.isNewline)
            .filter { !$0.contains("-->") && Int($0.trimmingCharacters(in: .whitespaces)) == nil }
        guard !lines.isEmpty else { throw EncoderError("no subtitle text") }
        return try text.embed(.text(lines.joined(separator: " ")))
    }
}

/// Opens (or creates) the index in `index`, registers the subtitle encoder next to the pack's
/// own encoders, indexes `folder` (photos and subtitles alike) and asks `question`.
func searchSubtitles(models: URL, folder: URL, index: URL, question: String) throws -> [SearchHit] {
    var registry = EncoderRegistry(pack: try LitePack.load(modelsDirectory: models))
    try registry.register(SubtitleEncoder(pack: registry.pack))

    let engine = Engine(pack: registry.pack, index: BuiltinStores.index(at: index))
    let summary = try engine.index(roots: [folder]) { event in
        if case .failed(let path, let reason) = event { print("\(path): \(reason)") }
    }
    print(summary)  // indexed 2, unchanged 0, failed 0 (0.1 s)
    return try engine.search(.text(question), limit: 5)
}
// END EXAMPLE

import MMTestSupport
import Testing

/// The Swift embedding example of docs/EMBEDDING.md, compiled and run on the real `lite` pack.
@Suite(.serialized)
struct EmbeddingExampleTests {
    static let markers = ("// BEGIN EXAMPLE\n", "// END EXAMPLE\n")

    @Test func theExampleIndexesANewModalityAndFindsItByText() throws {
        let folder = try ScratchDirectory("embedding-example")
        let index = try ScratchDirectory("embedding-example-index")
        try """
            1
            00:00:01,000 --> 00:00:03,500
            Good boy! Fetch the ball!

            2
            00:00:04,000 --> 00:00:06,000
            The puppy runs across the park, wagging its tail.
            """.write(to: folder.path("dog-walk.srt"), atomically: true, encoding: .utf8)
        try """
            1
            00:00:01,000 --> 00:00:04,000
            Stir the sauce and add a pinch of salt.

            2
            00:00:05,000 --> 00:00:07,000
            Now the pasta goes into the boiling water.
            """.write(to: folder.path("cooking-show.srt"), atomically: true, encoding: .utf8)
        let hits = try searchSubtitles(models: TestPaths.models, folder: folder.url, index: index.url,
                                       question: "a dog playing outside")
        #expect(hits.map { ($0.path as NSString).lastPathComponent } == ["dog-walk.srt", "cooking-show.srt"])
        #expect(hits.allSatisfy { $0.modality == Modality("subtitles") })
        let cooking = try searchSubtitles(models: TestPaths.models, folder: folder.url, index: index.url,
                                          question: "a recipe for dinner")
        #expect(cooking.first.map { ($0.path as NSString).lastPathComponent } == "cooking-show.srt")
    }

    @Test func theDocumentShowsThisCodeVerbatim() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let doc = try String(contentsOf: TestPaths.repository.appendingPathComponent("docs/EMBEDDING.md"),
                             encoding: .utf8)
        let code = try #require(Self.between(Self.markers.0, Self.markers.1, in: source))
        let block = try #require(Self.between("```swift\n", "```\n", in: doc), "docs/EMBEDDING.md has no ```swift block")
        #expect(block == code, "docs/EMBEDDING.md's code block differs from \(#filePath): copy it over")
    }

    /// The text between the first `start` and the next `end` after it.
    static func between(_ start: String, _ end: String, in text: String) -> String? {
        guard let open = text.range(of: start), let close = text.range(of: end, range: open.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[open.upperBound..<close.lowerBound])
    }
}
