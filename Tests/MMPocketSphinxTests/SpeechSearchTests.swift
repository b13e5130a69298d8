import Foundation
import MMPocketSphinx
import MMBuiltins
import MMMedia
import MMSearchKit
import MMTestSupport
import Testing

/// Spoken-content search with the real `lite` pack: recordings are found by paraphrases of
/// what is said in them, a recording used as a query finds photos and texts, non-speech is
/// indexed without rows, bad audio is reported and skipped.
@Suite(.serialized)
struct SpeechSearchTests {
    static let pack = Result { try LitePack.load(modelsDirectory: TestPaths.models) }

    /// The single clips (espeak-ng and real), the non-speech clips, two notes and Media/'s
    /// photos, indexed once for the suite.
    static let indexed: Result<(engine: Engine, folder: ScratchDirectory, index: ScratchDirectory, summary: IndexSummary), Error> = Result {
        let folder = try ScratchDirectory("speech-files")
        let fm = FileManager.default
        for clip in ["espeak/weather.wav", "espeak/groceries.flac", "espeak/football.ogg", "espeak/flight.mp3",
                     "espeak/engine.flac", "real/goforward.wav", "real/austen-0880.wav", "chord.ogg", "noise.ogg"] {
            let source = TestPaths.fixture("speech/\(clip)")
            try fm.copyItem(at: source, to: folder.path(source.lastPathComponent))
        }
        try fm.copyItem(at: TestPaths.fixture("audio/long/silence_60s_8000.flac"), to: folder.path("silence.flac"))
        try "Forecast: heavy rain is expected tomorrow, so take an umbrella.\n"
            .write(to: folder.path("umbrella.txt"), atomically: true, encoding: .utf8)
        try "Shopping list: eggs, butter, cheese.\n".write(to: folder.path("list.txt"), atomically: true, encoding: .utf8)
        let index = try ScratchDirectory("speech-index")
        let engine = Engine(pack: try pack.get(), indexDirectory: index.url)
        let media = TestPaths.repository.appendingPathComponent("Media")
        let summary = try engine.index(roots: [folder.url, media])
        return (engine, folder, index, summary)
    }

    static func name(_ hit: SearchHit) -> String { (hit.path as NSString).lastPathComponent }

    @Test func theLitePackReadsAudioWhenPocketsphinxIsInstalled() throws {
        let pack = try Self.pack.get()
        let audio = try #require(pack.encoder(for: .audio))
        #expect(audio.info.name == SpeechEncoder.name)
        #expect(Set(["wav", "flac", "ogg", "opus", "mp3"]).isSubset(of: audio.info.fileExtensions))
        #expect(pack.unavailable.isEmpty)
    }

    @Test(arguments: [
        ("will it rain tomorrow", "weather.wav"),
        ("pick up some food from the shop", "groceries.flac"),
        ("the football game was called off", "football.ogg"),
        ("a plane trip to france", "flight.mp3"),
        ("repair something that is broken", "engine.flac"),
        ("move ahead ten metres", "goforward.wav"),
        ("a young gentleman", "austen-0880.wav"),
    ])
    func aParaphraseFindsTheRecordingWhereItIsSaid(_ query: String, _ expected: String) throws {
        let (engine, _, _, _) = try Self.indexed.get()
        let hits = try engine.search(.text(query), limit: 3, options: SearchOptions(modalities: [.audio]))
        let first = try #require(hits.first)
        #expect(Self.name(first) == expected, "\"\(query)\": \(hits.map { "\(Self.name($0)) \($0.score)" })")
        // The hit carries the passage: its words and where they were said.
        let chunk = try #require(first.part)
        #expect(chunk.text?.isEmpty == false)
        let start = try #require(chunk.time?.start), end = try #require(chunk.time?.end)
        #expect(start >= 0 && start < end && end < 15)
    }

    @Test func nonSpeechIsIndexedWithoutRowsAndANoSpeechNote() throws {
        let (engine, _, _, summary) = try Self.indexed.get()
        #expect(summary.failed == 0, "\(summary.failures)")
        let noted = Dictionary(summary.notes.map { ((($0.path as NSString).lastPathComponent), $0.note) },
                               uniquingKeysWith: { a, _ in a })
        #expect(noted["chord.ogg"]?.description == "no speech")
        #expect(noted["noise.ogg"]?.description == "no speech")
        #expect(noted["silence.flac"]?.description == "no speech")
        #expect(noted["weather.wav"] == nil)
        // Never a search result.
        let hits = try engine.search(.text("music"), limit: 50, options: SearchOptions(modalities: [.audio]))
        #expect(!hits.contains { ["chord.ogg", "noise.ogg", "silence.flac"].contains(Self.name($0)) })
        // Listed with their note by the catalog (`mmsearch stats`).
        let space = try #require(try engine.index.space(matching: engine.pack.space))
        let notes = try engine.index.store.notes(in: space).map { (($0.path as NSString).lastPathComponent, $0.note) }
        #expect(notes.filter { $0.1.noSpeech }.map(\.0).sorted() == ["chord.ogg", "noise.ogg", "silence.flac"])
    }

    @Test func aSecondRunReadsNoRecordingAgainNotEvenTheOnesWithoutSpeech() throws {
        let (engine, folder, _, _) = try Self.indexed.get()
        let again = try engine.index(roots: [folder.url])
        #expect(again.indexed == 0)
        #expect(again.notes.isEmpty)
        #expect(again.unchanged == 12)
    }

    @Test func aRecordingAsTheQueryFindsThePhotoOfWhatIsSaid() throws {
        let (engine, folder, _, _) = try Self.indexed.get()
        let hits = try engine.search(.file(folder.path("flight.mp3")), limit: 3, options: SearchOptions(modalities: [.image]))
        #expect(hits.first.map(Self.name) == "airplane.jpg", "\(hits.map { "\(Self.name($0)) \($0.score)" })")
    }

    @Test func aRecordingAsTheQueryFindsTheTextThatSaysTheSame() throws {
        let (engine, folder, _, _) = try Self.indexed.get()
        let hits = try engine.search(.file(folder.path("weather.wav")), limit: 3, options: SearchOptions(modalities: [.text]))
        #expect(hits.first.map(Self.name) == "umbrella.txt", "\(hits.map { "\(Self.name($0)) \($0.score)" })")
    }

    @Test func embeddingARecordingGivesItsTranscript() throws {
        let (engine, folder, _, _) = try Self.indexed.get()
        let embedding = try engine.embed(.file(folder.path("goforward.wav")))
        #expect(embedding.transcript == "go forward ten meters")
        #expect(embedding.modality == .audio)
        let document = try JSONOutput.encode(EmbeddingDocument(input: .file(folder.path("goforward.wav")), embedding: embedding))
        #expect(document.contains("\"transcript\":\"go forward ten meters\""))
    }

    @Test func aRecordingWithoutSpeechIsNoQuery() throws {
        let (engine, folder, _, _) = try Self.indexed.get()
        #expect(throws: MMSearchError.self) { try engine.embed(.file(folder.path("chord.ogg"))) }
    }

    @Test func aLongRecordingIsReadUpToTheLimitAndTheSummarySaysSo() throws {
        let pack = try Self.pack.get().limitingAudio(toSeconds: 4)
        let index = try ScratchDirectory("speech-limit")
        let engine = Engine(pack: pack, indexDirectory: index.url)
        let clip = TestPaths.fixture("speech/espeak/three-parts.ogg")
        let summary = try engine.index(roots: [clip])
        #expect(summary.indexed == 1)
        #expect(summary.notes.map(\.note.description) == ["first 4 s of 14 s indexed"])
        let hits = try engine.search(.text("the weather tomorrow"), limit: 5)
        #expect(hits.count == 1)
        #expect(try #require(hits.first?.part?.time?.end) <= 4)
    }

    @Test func eachPartOfALongRecordingIsFoundWithItsTimeRange() throws {
        // Small passages: one per utterance, so each part of the recording is a row.
        let pack = try Self.pack.get()
        let text = try #require(pack.encoder(for: .text))
        let speech = try #require(pack.encoder(for: .audio) as? SpeechEncoder)
        let short = SmallPassages(inner: speech, text: text)
        let embedding = try short.embedPassages(.file(TestPaths.fixture("speech/espeak/three-parts.ogg")))
        #expect(embedding.passages.count >= 3, "\(embedding.passages.map(\.text))")
        let query = try text.embed(.text("air travel to paris"))
        let best = try #require(embedding.passages.max { dot($0.vector ?? [], query) < dot($1.vector ?? [], query) })
        let time = try #require(best.time)
        #expect(time.start > 5 && time.end < 9, "\(best)")
    }

    @Test(arguments: ["empty.wav", "text.wav", "truncated.wav", "ten_hour_header.wav", "truncated.mp3"])
    func badAudioIsReportedAndSkipped(_ name: String) throws {
        let folder = try ScratchDirectory("speech-bad")
        try FileManager.default.copyItem(at: TestPaths.fixture("audio/bad/\(name)"), to: folder.path(name))
        try FileManager.default.copyItem(at: TestPaths.fixture("speech/real/goforward.wav"), to: folder.path("goforward.wav"))
        let index = try ScratchDirectory("speech-bad-index")
        let engine = Engine(pack: try Self.pack.get(), indexDirectory: index.url)
        let summary = try engine.index(roots: [folder.url])
        #expect(summary.indexed == 1)
        #expect(summary.failures.count == 1)
        let failure = try #require(summary.failures.first)
        #expect(failure.path.hasSuffix(name))
        #expect(!failure.reason.isEmpty)
        print("\(name): \(failure.reason)")
    }

    @Test func withoutThePocketsphinxModelThePackLoadsWithoutAudioAndSaysWhy() throws {
        let pack = try LitePack.load(modelsDirectory: TestPaths.models, imageLimits: ImageLimits(),
                                     speechModel: Result { try SpeechModel(directory: URL(fileURLWithPath: "/nonexistent")) })
        #expect(pack.encoder(for: .audio) == nil)
        #expect(pack.encoder(for: .text) != nil)
        let missing = try #require(pack.unavailable.first)
        #expect(missing.name == SpeechEncoder.name)
        #expect(missing.reason.contains("/nonexistent: no such folder"))
        // The space is the same: text and image vectors do not depend on the recogniser.
        #expect(pack.space == (try Self.pack.get().space))
    }
}

/// The speech encoder with a 6-token budget, so that each utterance is a passage.
struct SmallPassages {
    let inner: SpeechEncoder
    let text: any Encoder

    func embedPassages(_ input: EncoderInput) throws -> PassageEmbedding {
        guard case .file(let url) = input else { throw EncoderError("file expected") }
        let transcript = try inner.transcribe(url)
        let pieces = TranscriptPassages(chunking: TextChunking(maxTokens: 6) { $0.split(separator: " ").count })
            .pieces(transcript)
        return PassageEmbedding(passages: try pieces.map {
            FilePart(index: 0, time: TimeSpan(start: $0.start, end: $0.end), text: $0.text, vector: try text.embed(.text($0.text)))
        })
    }
}

func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
