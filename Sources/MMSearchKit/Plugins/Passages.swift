import Foundation

/// A stretch of a time-based file that is searched as text: a passage of a recording's
/// transcript, with where it lies in the file and its vector.
public struct TextPassage: Sendable, Equatable {
    /// The text that was embedded (a transcript's words).
    public let text: String
    /// Where the passage starts and ends, in seconds from the start of the file.
    public let start: Double
    public let end: Double
    /// Unit length, in the encoder's space.
    public let vector: [Float]

    public init(text: String, start: Double, end: Double, vector: [Float]) {
        self.text = text
        self.start = start
        self.end = end
        self.vector = vector
    }
}

/// What a passage encoder made of one file: its passages in order (none when the file holds
/// nothing to transcribe, such as music or silence), and a note for the person indexing.
public struct PassageEmbedding: Sendable, Equatable {
    public let passages: [TextPassage]
    /// Something to know about how the file was read, kept with its record and shown in the
    /// index summary: `no speech`, `first 3600 s of 5400 s indexed`. nil when there is nothing
    /// to say.
    public let note: String?

    public init(passages: [TextPassage], note: String? = nil) {
        self.passages = passages
        self.note = note
    }
}

/// An encoder whose files are searched as several pieces of text, each a row of the index
/// with its text and time range (`SearchHit.chunk`), like the chunks of a text file: a speech
/// recogniser whose transcript goes through the pack's text encoder.
///
/// The host calls `embedPassages` when indexing. A file with no passages is indexed, not
/// failed: it has no rows, its note says why, and it is not read again until it changes.
/// `embed(_:)` (a query) gives one vector for the whole file.
public protocol PassageEncoder: Encoder {
    func embedPassages(_ input: EncoderInput) throws -> PassageEmbedding
}

/// An encoder that reads audio and can be told to read at most so many seconds of each file
/// (`--max-audio-seconds`): it returns a copy of itself with that limit. The limit is not part
/// of the encoder's fingerprint: a file cut short says so in its note.
public protocol AudioLengthLimitedEncoder: Encoder {
    func limitingAudio(toSeconds seconds: Double) -> any Encoder
}

extension ModelPack {
    /// The pack with every audio encoder that can be limited reading at most `seconds` of
    /// each file.
    public func limitingAudio(toSeconds seconds: Double) throws -> ModelPack {
        try ModelPack(name: name, space: space, encoders: encoders.map { encoder in
            (encoder as? any AudioLengthLimitedEncoder)?.limitingAudio(toSeconds: seconds) ?? encoder
        }, unavailable: unavailable)
    }
}

extension PassageEmbedding {
    /// The mean of the passages' vectors, unit length: one vector for the whole file. nil
    /// when there are no passages (or they cancel out).
    public var pooledVector: [Float]? {
        guard let dimension = passages.first?.vector.count else { return nil }
        return UnitVector.mean(passages.map(\.vector).filter { $0.count == dimension })
    }

    /// The passages' texts, separated by spaces (a transcript).
    public var text: String { passages.map(\.text).joined(separator: " ") }
}
