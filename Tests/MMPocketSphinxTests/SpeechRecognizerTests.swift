import Foundation
import MMPocketSphinx
import MMMedia
import MMTestSupport
import Testing

/// pocketsphinx on committed clips (Tests/Fixtures/speech, made by
/// Scripts/fixtures/make_speech_fixtures.sh): real recorded speech, espeak-ng speech, a
/// recording in three parts, non-speech, and the bad audio of Tests/Fixtures/audio/bad.
@Suite(.serialized)
struct SpeechRecognizerTests {
    static let recognizer = Result { SpeechRecognizer(model: try SpeechModel.locate()) }

    static func speech(_ relative: String) -> URL { TestPaths.fixture("speech/\(relative)") }

    /// The share of `said`'s words the transcript has.
    static func recall(_ transcript: Transcript, _ said: String) -> Double {
        let heard = Set(transcript.words.map(\.text))
        let words = said.split(separator: " ").map(String.init)
        return Double(words.filter(heard.contains).count) / Double(words.count)
    }

    @Test func realRecordedSpeechIsTranscribed() throws {
        let recognizer = try Self.recognizer.get()
        let go = try recognizer.transcribe(contentsOf: Self.speech("real/goforward.wav"))
        #expect(go.text == "go forward ten meters")
        let austen = try recognizer.transcribe(contentsOf: Self.speech("real/austen-0880.wav"))
        #expect(Self.recall(austen, "he was not an ill disposed young man") >= 0.6, "heard: \(austen.text)")
        print("austen-0880.wav heard as: \(austen.text)")
    }

    @Test func wordTimesLieInsideTheRecordingAndInOrder() throws {
        let go = try Self.recognizer.get().transcribe(contentsOf: Self.speech("real/goforward.wav"))
        let words = go.words
        #expect(!words.isEmpty)
        for (a, b) in zip(words, words.dropFirst()) { #expect(a.start <= b.start) }
        for word in words { #expect(word.start >= 0 && word.end <= go.duration + 0.01 && word.start <= word.end) }
        // The recording is 2.79 s; pocketsphinx hears "go" about 0.46 s in.
        #expect(abs(go.duration - 2.786) < 0.01)
        #expect(words[0].start > 0.2 && words[0].start < 0.8)
    }

    @Test func aRecordingInThreePartsGivesUtterancesAtTheirTimes() throws {
        // weather (0–3.2 s), a 2 s pause, flight (5.2–8.3 s), a 2 s pause, engine (10.3–13 s).
        let t = try Self.recognizer.get().transcribe(contentsOf: Self.speech("espeak/three-parts.ogg"))
        #expect(t.utterances.count >= 3, "\(t.utterances.map { $0.map(\.text) })")
        func start(of word: String) -> Double? { t.words.first { $0.text == word }?.start }
        let tomorrow = try #require(start(of: "tomorrow"))
        let paris = try #require(start(of: "paris"))
        let fix = try #require(start(of: "fix"))
        #expect(tomorrow < 3.2)
        #expect(paris > 5.2 && paris < 8.3)
        #expect(fix > 10.3 && fix < 13.5)
    }

    @Test func aReusedDecoderHearsAFileAsAFreshOneDoes() throws {
        let recognizer = try Self.recognizer.get()
        let first = try recognizer.transcribe(contentsOf: Self.speech("espeak/flight.mp3"))
        _ = try recognizer.transcribe(contentsOf: Self.speech("real/austen-0880.wav"))
        let again = try recognizer.transcribe(contentsOf: Self.speech("espeak/flight.mp3"))
        #expect(again == first)
    }

    @Test func threadsTranscribingAtOnceGetWhatOneThreadGets() throws {
        let recognizer = try Self.recognizer.get()
        let files = ["real/goforward.wav", "espeak/weather.wav", "espeak/groceries.flac", "espeak/football.ogg"]
            .map(Self.speech)
        let alone = try files.map { try recognizer.transcribe(contentsOf: $0).text }
        let together = UnsafeResults(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            together.set(i, (try? recognizer.transcribe(contentsOf: files[i]).text) ?? "<error>")
        }
        #expect(together.values == alone)
    }

    @Test(arguments: ["chord.ogg", "noise.ogg"])
    func musicAndNoiseHaveNoSpeech(_ name: String) throws {
        let t = try Self.recognizer.get().transcribe(contentsOf: Self.speech(name))
        #expect(t.isEmpty, "heard: \(t.text)")
        #expect(t.note?.description == "no speech")
    }

    @Test func silenceHasNoSpeech() throws {
        let t = try Self.recognizer.get().transcribe(contentsOf: TestPaths.fixture("audio/long/silence_60s_8000.flac"))
        #expect(t.isEmpty)
        #expect(t.duration > 59)
    }

    @Test func readingStopsAtTheLimitAndTheNoteSaysSo() throws {
        let t = try Self.recognizer.get().transcribe(contentsOf: Self.speech("espeak/three-parts.ogg"),
                                                     limits: AudioLimits(maxSeconds: 4))
        #expect(t.stoppedAtLimit)
        #expect(abs(t.duration - 4) < 0.01)
        #expect(t.words.contains { $0.text == "tomorrow" })
        #expect(!t.words.contains { $0.text == "paris" })
        #expect(t.note?.description == "first 4 s of 14 s indexed")
    }

    @Test(arguments: ["empty.wav", "text.wav", "truncated.wav", "ten_hour_header.wav", "ten_hour_header.flac",
                      "truncated.mp3", "truncated.ogg", "aiff.aiff", "nan.wav"])
    func badAudioIsAnErrorNamingTheFile(_ name: String) throws {
        let url = TestPaths.fixture("audio/bad/\(name)")
        do {
            let t = try Self.recognizer.get().transcribe(contentsOf: url)
            Issue.record("\(name) gave a transcript: '\(t.text)'")
        } catch let error as MediaError {
            #expect(error.description.contains(name), "\(error)")
        }
    }

    @Test func aMissingModelFolderIsReportedWithTheVariableThatNamedIt() {
        do {
            _ = try SpeechModel.locate(environment: [SpeechModel.environmentVariable: "/nonexistent/model"])
            Issue.record("a missing folder was accepted")
        } catch {
            #expect("\(error)".contains("MMSEARCH_POCKETSPHINX_MODEL: /nonexistent/model: no such folder"))
        }
    }

    @Test func theModelIsFoundInTheDebianFolderAndHasAStableFingerprint() throws {
        let model = try SpeechModel.locate(environment: [:])
        #expect(model.acousticModel.lastPathComponent == "en-us")
        #expect(model.languageModel.lastPathComponent == "en-us.lm.bin")
        #expect(model.dictionary.lastPathComponent == "cmudict-en-us.dict")
        #expect(model.fingerprint() == model.fingerprint())
        #expect(model.fingerprint().count == 64)
    }
}

/// Results written by concurrent iterations, each to its own index.
final class UnsafeResults: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String]
    init(count: Int) { storage = Array(repeating: "", count: count) }
    func set(_ i: Int, _ value: String) {
        lock.lock()
        storage[i] = value
        lock.unlock()
    }
    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
