import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `clap-htsat` pack's audio encoder: decode (WAV, FLAC, Ogg Vorbis/Opus, MP3) and
/// resample to 48 kHz mono with MMMedia, cut into 10 s windows (`ClapAudioWindows`), log-mel
/// features exactly as `ClapFeatureExtractor`, HTSAT, projection; a file's vector is the
/// normalised mean of its windows', and each window is a part under it.
public struct ClapAudioEncoder: Encoder {
    public let info: EncoderInfo
    public let model: ClapModel
    public let limits: AudioLimits
    public let windows: ClapAudioWindows

    public static let fileExtensions = ["wav", "flac", "ogg", "opus", "mp3"]

    /// `precision`: the precision `model` was loaded at (part of the fingerprint).
    public init(model: ClapModel, space: SpaceID, limits: AudioLimits = AudioLimits(),
                windows: ClapAudioWindows? = nil, precision: InferencePrecision = .f32) {
        precondition(space.dimension == model.dimension)
        self.model = model
        self.limits = limits
        self.windows = windows ?? ClapAudioWindows(seconds: model.featureExtractor.config.max_length_s)
        info = EncoderInfo(name: "clap-audio", version: "1", modality: .audio, space: space,
                           fileExtensions: Self.fileExtensions, settings: precision.encoderSettings(self.windows.tag))
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embedWithParts(input).vector
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        batch.map { input in Result { try embedWithParts(input).vector } }
    }

    public func embedWithParts(batch: [EncoderInput]) -> [Result<FileEmbedding, Error>] {
        let arena = ScratchArena()
        return batch.map { input in Result { try embedWithParts(input, arena: arena) } }
    }

    /// One file's vector, with one part per window when it has more than one.
    public func embedWithParts(_ input: EncoderInput, arena: ScratchArena = ScratchArena()) throws -> FileEmbedding {
        guard case .file(let url) = input else {
            throw EncoderError("\(info.name) embeds sound files, not \(input)")
        }
        let rate = model.featureExtractor.config.sampling_rate
        let parts = try windows.read(url, sampleRate: rate, limits: limits)
        let vectors = try model.embed(audio48k: parts.map(\.samples), arena: arena)
        guard vectors.count > 1 else { return FileEmbedding(vector: vectors[0]) }
        var mean = [Float](repeating: 0, count: model.dimension)
        for v in vectors { for k in mean.indices { mean[k] += v[k] } }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { throw EncoderError("the windows' vectors cancel out") }
        let windows = zip(parts, vectors).enumerated().map { index, window in
            FilePart(index: index, time: TimeSpan(start: window.0.start,
                                                  end: window.0.start + Double(window.0.samples.count) / Double(rate)),
                     vector: window.1)
        }
        return FileEmbedding(vector: mean.map { $0 / norm }, parts: windows)
    }
}
