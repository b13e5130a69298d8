import Foundation
import MMTestSupport
import Testing

/// The command line with recordings: notes in the index summary, `stats`, `embed --json` with
/// the transcript, `--max-audio-seconds`.
@Suite(.serialized)
struct SpeechCommandLineTests {
    @Test func indexingPrintsEachNoteAndStatsCountsRecordingsWithoutSpeech() throws {
        let folder = try ScratchDirectory("speech-cli")
        for clip in ["espeak/three-parts.ogg", "chord.ogg", "real/goforward.wav"] {
            let source = TestPaths.fixture("speech/\(clip)")
            try FileManager.default.copyItem(at: source, to: folder.path(source.lastPathComponent))
        }
        let index = try ScratchDirectory("speech-cli-index")
        let run = try CommandLineTool.run(["index", folder.url.path, "--index", index.url.path, "--max-audio-seconds", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        // The chord lasts 8 s: cut short too.
        #expect(run.stderr.contains("chord.ogg: no speech; first 4 s of 8 s indexed\n"), "\(run.stderr)")
        #expect(run.stderr.contains("three-parts.ogg: first 4 s of 14 s indexed\n"), "\(run.stderr)")
        #expect(run.stderr.contains("indexed 3, unchanged 0, failed 0"), "\(run.stderr)")

        let stats = try CommandLineTool.run(["stats", "--index", index.url.path])
        #expect(stats.stdout.contains("3 indexed (1 without speech), 0 failed"), "\(stats.stdout)")

        let query = try CommandLineTool.run(["query", "drive ahead", "-f", "-t", "1", "--index", index.url.path])
        #expect(query.stdout.hasSuffix("goforward.wav\n"), "\(query.stdout) \(query.stderr)")
    }

    @Test func embedJSONShowsTheTranscript() throws {
        let run = try CommandLineTool.run(["embed", TestPaths.fixture("speech/real/goforward.wav").path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"transcript\":\"go forward ten meters\""))
        #expect(run.stdout.contains("\"modality\":\"audio\""))
    }

    @Test(arguments: ["0", "-5", "nan"])
    func aMaxAudioSecondsThatIsNotPositiveIsAUsageError(_ value: String) throws {
        let run = try CommandLineTool.run(["embed", "a dog", "--max-audio-seconds", value])
        #expect(run.status == 2, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("--max-audio-seconds"), "\(run.stderr)")
    }
}
