import Foundation

/// What an encoder tells about how it read a file, kept with the file's record and shown in
/// the index summary: that a recording holds no speech (it is indexed without rows, not
/// failed), or that only its first part was read.
public struct FileNote: Sendable, Equatable, CustomStringConvertible {
    /// A recording in which nothing was recognised (music, noise, silence): the file is
    /// indexed, has no rows, and is not read again until it changes.
    public var noSpeech: Bool
    /// Seconds read when reading stopped at a limit, and the whole length when known.
    public var cut: (read: Double, of: Double?)?
    /// Chunks of a long text embedded when its budget ran out (`IndexOptions.textBudget`),
    /// and how many it has.
    public var chunksCut: (kept: Int, of: Int)?

    public init(noSpeech: Bool = false, cut: (read: Double, of: Double?)? = nil, chunksCut: (kept: Int, of: Int)? = nil) {
        self.noSpeech = noSpeech
        self.cut = cut
        self.chunksCut = chunksCut
    }

    /// nil when there is nothing to say.
    public var isEmpty: Bool { !noSpeech && cut == nil && chunksCut == nil }

    /// `no speech`, `first 3600 s of 5400 s indexed`, or both joined by `; `: how the note is
    /// shown and stored.
    public var description: String {
        var parts: [String] = []
        if noSpeech { parts.append(Self.noSpeechText) }
        if let cut {
            let whole = cut.of.map { String(format: " of %.0f s", $0) } ?? ""
            parts.append(String(format: "first %.0f s", cut.read) + whole + " indexed")
        }
        if let chunksCut { parts.append("first \(chunksCut.kept) of \(chunksCut.of) chunks indexed") }
        return parts.joined(separator: "; ")
    }

    /// The note a store kept as text (`description`); text this version does not know is kept
    /// as it is, as the `cut`-less `other`.
    public init(stored text: String) {
        noSpeech = text.split(separator: ";").contains { $0.trimmingCharacters(in: .whitespaces) == Self.noSpeechText }
        cut = nil
        chunksCut = nil
        for piece in text.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
        where piece.hasPrefix("first ") && piece.hasSuffix(" indexed") {
            let words = piece.split(separator: " ")
            // first R s [of W s] indexed
            if words.last == "indexed", words.count == 6, words[4] == "chunks",
               let kept = Int(words[1]), let of = Int(words[3]) {
                chunksCut = (kept, of)
                continue
            }
            guard words.count >= 4, let read = Double(words[1]) else { continue }
            cut = (read, words.count >= 7 ? Double(words[4]) : nil)
        }
        other = isEmpty && !text.isEmpty ? text : nil
    }

    /// A stored note this version does not understand, shown as it is.
    public private(set) var other: String? = nil

    private static let noSpeechText = "no speech"

    public static func == (a: FileNote, b: FileNote) -> Bool {
        a.noSpeech == b.noSpeech && a.cut?.read == b.cut?.read && a.cut?.of == b.cut?.of
            && a.chunksCut?.kept == b.chunksCut?.kept && a.chunksCut?.of == b.chunksCut?.of && a.other == b.other
    }
}

/// What a passage encoder made of one file: its passages in order (none when the file holds
/// nothing to transcribe, such as music or silence), and a note for the person indexing.
public struct PassageEmbedding: Sendable, Equatable {
    /// Parts with text, a time span and a vector.
    public let passages: [FilePart]
    /// Something to know about how the file was read (see `FileNote`); nil when there is
    /// nothing to say.
    public let note: FileNote?

    /// `passages` are numbered in order, and get their byte offsets in the transcript (the
    /// passages' texts joined by single spaces).
    public init(passages: [FilePart], note: FileNote? = nil) {
        var offset = 0
        self.passages = passages.enumerated().map { index, passage in
            var part = passage
            if index > 0 { offset += 1 }
            let size = (passage.text ?? "").utf8.count
            part.index = index
            part.bytes = offset..<(offset + size)
            offset += size
            return part
        }
        self.note = note.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// An encoder whose files are searched as several pieces of text, each a row of the index
/// with its text and time range (`SearchHit.part`), like the chunks of a text file: a speech
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
        try replacingEncoders(encoders.map { encoder in
            (encoder as? any AudioLengthLimitedEncoder)?.limitingAudio(toSeconds: seconds) ?? encoder
        })
    }
}

extension PassageEmbedding {
    /// The mean of the passages' vectors, unit length: one vector for the whole file. nil
    /// when there are no passages (or they cancel out).
    public var pooledVector: [Float]? {
        let vectors = passages.compactMap(\.vector)
        guard let dimension = vectors.first?.count else { return nil }
        return UnitVector.mean(vectors.filter { $0.count == dimension })
    }

    /// The passages' texts, separated by spaces (a transcript).
    public var text: String { passages.compactMap(\.text).joined(separator: " ") }
}
