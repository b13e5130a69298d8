/// Decoded audio: one channel of `Float` samples in [-1, 1] at `sampleRate`.
///
/// Multichannel sources are mixed down to the mean of their channels (librosa's `to_mono`,
/// torchaudio's `mean(dim=0)`); integer PCM is scaled by 1/32768 (16-bit), 1/8388608 (24-bit)
/// and so on, as libsndfile, ffmpeg and soundfile do.
public struct PCMAudio: Sendable, Equatable {
    /// The samples, `sampleRate` per second.
    public var samples: [Float]
    public let sampleRate: Int
    /// Where `samples[0]` lies in the source, in seconds from its beginning.
    public let startTime: Double
    /// True when decoding stopped at a duration limit (the call's `maxSeconds` or
    /// `AudioLimits.maxSeconds`) while the file holds more audio. It says nothing wrong about
    /// the file: a damaged or cut-off file is an error instead.
    public let stoppedAtLimit: Bool
    /// What the file declared, when the audio came from a file.
    public let source: AudioSourceInfo?

    public init(samples: [Float], sampleRate: Int, startTime: Double = 0, stoppedAtLimit: Bool = false,
                source: AudioSourceInfo? = nil) {
        precondition(sampleRate > 0, "PCMAudio: sample rate \(sampleRate)")
        self.samples = samples
        self.sampleRate = sampleRate
        self.startTime = startTime
        self.stoppedAtLimit = stoppedAtLimit
        self.source = source
    }

    /// `samples.count / sampleRate`, in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// The audio stream of a file as its header describes it.
public struct AudioSourceInfo: Sendable, Equatable {
    public let format: AudioFormat
    /// Frames per second in the file.
    public let sampleRate: Int
    /// Channels in the file (the decoded audio is always mono).
    public let channels: Int
    /// The length the decoder expects from the header, in frames at `sampleRate`; nil when it
    /// cannot tell. Only a hint: decoding never allocates from it, and a file whose data ends
    /// before it is reported as truncated.
    public let declaredFrames: Int?

    public init(format: AudioFormat, sampleRate: Int, channels: Int, declaredFrames: Int?) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.declaredFrames = declaredFrames
    }

    /// `declaredFrames / sampleRate`, in seconds.
    public var declaredDuration: Double? {
        declaredFrames.map { Double($0) / Double(sampleRate) }
    }
}
