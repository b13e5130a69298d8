import Foundation
import MMMedia
import MMSearchKit

/// The `lite` pack's audio encoder: searches recordings by what is said in them.
///
/// pocketsphinx transcribes the file (streamed, 16 kHz mono, at most `limits.maxSeconds`);
/// the transcript is cut into passages that fit the pack's text encoder
/// (`TranscriptPassages`), and each passage is embedded by that encoder into the pack's
/// space, so a text query, a photo or another recording finds the part where it is said.
/// A recording without recognised words (music, noise, silence) has no passages and the note
/// `no speech`: indexed, not failed.
///
/// The encoder's settings name the recogniser's model (`SpeechModel.fingerprint`), so
/// another acoustic or language model re-indexes audio files only.
public struct SpeechEncoder: PassageEncoder, AudioLengthLimitedEncoder {
    public static let name = "pocketsphinx-transcript"
    /// Changes when transcripts or passages are made differently.
    public static let version = "1"
    /// What it reads (what `AudioReader` decodes).
    public static let fileExtensions = ["wav", "flac", "ogg", "oga", "opus", "mp3"]

    public let info: EncoderInfo
    public let recognizer: SpeechRecognizer
    /// The pack's text encoder, which embeds the passages.
    public let textEncoder: any Encoder
    public let limits: AudioLimits
    private let passages: TranscriptPassages

    /// Speech through `textEncoder` into its space; `modelFingerprint` is the recogniser's
    /// model's (computed once by the caller: it reads the model files).
    public init(recognizer: SpeechRecognizer, textEncoder: any Encoder, modelFingerprint: String,
                limits: AudioLimits = AudioLimits()) {
        self.recognizer = recognizer
        self.textEncoder = textEncoder
        self.limits = limits
        passages = TranscriptPassages(chunking: textEncoder.textChunking ?? .approximate)
        info = EncoderInfo(name: Self.name, version: Self.version, modality: .audio,
                           space: textEncoder.info.space, fileExtensions: Self.fileExtensions,
                           settings: "model \(modelFingerprint); text \(textEncoder.info.name) \(textEncoder.info.version)"
                               + (textEncoder.info.settings.isEmpty ? "" : " (\(textEncoder.info.settings))"))
    }

    private init(copy: SpeechEncoder, limits: AudioLimits) {
        recognizer = copy.recognizer
        textEncoder = copy.textEncoder
        passages = copy.passages
        info = copy.info
        self.limits = limits
    }

    public func limitingAudio(toSeconds seconds: Double) -> any Encoder {
        var limits = self.limits
        limits.maxSeconds = seconds
        return SpeechEncoder(copy: self, limits: limits)
    }

    /// The transcript of the file at `url`.
    public func transcribe(_ url: URL) throws -> Transcript {
        try recognizer.transcribe(contentsOf: url, limits: limits)
    }

    public func embedPassages(_ input: EncoderInput) throws -> PassageEmbedding {
        guard case .file(let url) = input else {
            throw EncoderError("\(Self.name) reads audio files, not \(input.kindName)")
        }
        let transcript = try transcribe(url)
        let pieces = passages.pieces(transcript)
        let vectors = textEncoder.embed(batch: pieces.map { .text($0.text) })
        var out: [FilePart] = []
        for (index, (piece, vector)) in zip(pieces, vectors).enumerated() {
            out.append(FilePart(index: index, time: TimeSpan(start: piece.start, end: piece.end), text: piece.text,
                                vector: try vector.get()))
        }
        return PassageEmbedding(passages: out, note: transcript.note)
    }

    /// One vector for the whole recording (the mean of its passages' vectors, unit length):
    /// what a recording used as a query is searched with. Throws when nothing was recognised.
    public func embed(_ input: EncoderInput) throws -> [Float] {
        let embedding = try embedPassages(input)
        guard let vector = embedding.pooledVector else {
            throw EncoderError("no speech recognised")
        }
        return vector
    }
}

extension EncoderInput {
    var kindName: String {
        switch self {
        case .text: "text"
        case .file: "a file"
        case .image: "an image"
        }
    }
}
