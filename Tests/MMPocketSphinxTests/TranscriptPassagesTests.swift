import MMPocketSphinx
import MMSearchKit
import Testing

/// Cutting a transcript into passages that fit the text encoder (no model needed).
struct TranscriptPassagesTests {
    /// One token per word.
    static let words = TextChunking(maxTokens: 4) { $0.split(separator: " ").count }

    static func utterance(_ text: String, from start: Double) -> [SpokenWord] {
        text.split(separator: " ").enumerated().map { i, word in
            SpokenWord(text: String(word), start: start + Double(i) * 0.5, end: start + Double(i) * 0.5 + 0.4)
        }
    }

    @Test func utterancesThatFitTogetherShareAPassageSpanningTheirWords() {
        let transcript = Transcript(utterances: [Self.utterance("go forward", from: 1),
                                                 Self.utterance("ten meters", from: 4)], duration: 6)
        let pieces = TranscriptPassages(chunking: Self.words).pieces(transcript)
        #expect(pieces.map(\.text) == ["go forward ten meters"])
        #expect(close(pieces.map(\.start), [1]) && close(pieces.map(\.end), [4.9]))
    }

    @Test func anUtteranceThatDoesNotFitWhatIsLeftStartsANewPassage() {
        let transcript = Transcript(utterances: [Self.utterance("the weather tomorrow", from: 0),
                                                 Self.utterance("heavy rain", from: 10)], duration: 12)
        let pieces = TranscriptPassages(chunking: Self.words).pieces(transcript)
        #expect(pieces.map(\.text) == ["the weather tomorrow", "heavy rain"])
        #expect(close(pieces.map(\.start), [0, 10]))
        #expect(close(pieces.map(\.end), [1.4, 10.9]))
    }

    @Test func anUtteranceLongerThanTheBudgetIsCutBetweenWords() {
        let transcript = Transcript(utterances: [Self.utterance("a b c d e f g h i j", from: 0)], duration: 6)
        let pieces = TranscriptPassages(chunking: Self.words).pieces(transcript)
        #expect(pieces.map(\.text) == ["a b c d", "e f g h", "i j"])
        #expect(close([pieces[1].start, pieces[1].end], [2, 3.9]))
    }

    @Test func anEmptyTranscriptHasNoPassagesAndSaysNoSpeech() {
        let transcript = Transcript(utterances: [[]], duration: 8)
        #expect(TranscriptPassages(chunking: Self.words).pieces(transcript).isEmpty)
        #expect(transcript.note?.description == "no speech")
    }

    @Test func aTranscriptCutShortSaysHowMuchWasRead() {
        let transcript = Transcript(utterances: [Self.utterance("hello", from: 0)], duration: 4,
                                    stoppedAtLimit: true, declaredDuration: 13.9)
        #expect(transcript.note?.description == "first 4 s of 14 s indexed")
    }
}

/// Equal lengths and every pair within 1e-9.
func close(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 }
}
