import MMSearchKit

/// Cuts a transcript into passages the text encoder reads whole, so a query finds the right
/// part of a long recording.
///
/// Utterances are packed in order into a passage while the passage fits the text encoder's
/// token budget (`TextChunking`, the budget the host uses for text files); an utterance that
/// does not fit what is left starts a new passage; one longer than the budget is cut between
/// words. Each passage spans from its first word's start to its last word's end.
public struct TranscriptPassages: Sendable {
    public let chunking: TextChunking

    public init(chunking: TextChunking) { self.chunking = chunking }

    /// A passage's words before embedding.
    public typealias Piece = TimedText

    public func pieces(_ transcript: Transcript) -> [Piece] {
        var pieces: [Piece] = []
        var open: [SpokenWord] = []
        func close() {
            if let first = open.first, let last = open.last {
                pieces.append(Piece(text: Self.text(open), start: first.start, end: last.end))
            }
            open = []
        }
        func fits(_ words: [SpokenWord]) -> Bool { chunking.countTokens(Self.text(words)) <= chunking.maxTokens }
        for utterance in transcript.utterances {
            if fits(open + utterance) {
                open += utterance
                continue
            }
            close()
            if fits(utterance) {
                open = utterance
                continue
            }
            // Too long on its own: words until the budget is full.
            for word in utterance {
                if !open.isEmpty, !fits(open + [word]) { close() }
                open.append(word)
            }
        }
        close()
        return pieces
    }

    static func text(_ words: [SpokenWord]) -> String { words.map(\.text).joined(separator: " ") }
}
