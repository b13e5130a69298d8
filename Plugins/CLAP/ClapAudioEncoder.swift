import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `clap-htsat` pack's audio encoder: decode (WAV, FLAC, Ogg Vorbis/Opus, MP3) and
/// resample to 48 kHz mono with MMMedia, cut into 10 s windows (`ClapAudioWindows`), log-mel
/// features exactly as `ClapFeatureExtractor`, HTSAT, projection; a file's vector is the
/// normalised mean of its windows', and each window is a segment.
public struct ClapAudioEncoder: Encoder {
    public let info: EncoderInfo
    public let model: ClapModel
    public let limits: AudioLimits
    public let windows: ClapAudioWindows

    public static let fileExtensions = ["wav", "flac", "ogg", "opus", "mp3"]

    public init(model: ClapModel, space: SpaceID, limits: AudioLimits = AudioLimits(),
                windows: ClapAudioWindows? = nil) {
        precondition(space.dimension == model.dimension)
        self.model = model
        self.limits = limits
        self.windows = windows ?? ClapAudioWindows(seconds: model.featureExtractor.config.max_length_s)
        info = EncoderInfo(name: "clap-audio", version: "1", modality: .audio, space: space,
                           fileExtensions: Self.fileExtensions, settings: self.windows.tag)
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embedWithSegments(input).vector
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        batch.map { input in Result { try embedWithSegments(input).vector } }
    }

    public func embedWithSegments(batch: [EncoderInput]) -> [Result<SegmentedEmbedding, Error>] {
        let arena = ScratchArena()
        return batch.map { input in Result { try embedWithSegments(input, arena: arena) } }
    }

    /// One file's vector, with one segment per window when it has more than one.
    public func embedWithSegments(_ input: EncoderInput, arena: ScratchArena = ScratchArena()) throws -> SegmentedEmbedding {
        guard case .file(let url) = input else {
            throw EncoderError("\(info.name) embeds sound files, not \(input)")
        }
        let rate = model.featureExtractor.config.sampling_rate
        let parts = try windows.read(url, sampleRate: rate, limits: limits)
        let vectors = try model.embed(audio48k: parts.map(\.samples), arena: arena)
        guard vectors.count > 1 else { return SegmentedEmbedding(vector: vectors[0]) }
        var mean = [Float](repeating: 0, count: model.dimension)
        for v in vectors { for k in mean.indices { mean[k] += v[k] } }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { throw EncoderError("the windows' vectors cancel out") }
        let segments = zip(parts, vectors).map { part, vector in
            MediaSegment(start: part.start, end: part.start + Double(part.samples.count) / Double(rate), vector: vector)
        }
        return SegmentedEmbedding(vector: mean.map { $0 / norm }, segments: segments)
    }
}
