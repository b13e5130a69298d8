import MMTensor
import Foundation
import MMMedia

/// Which stretches of a sound file the `clap-htsat` pack embeds. The unfused model reads 10 s
/// (`max_length_s`) at a time: a shorter file is one window, repeated and padded exactly as
/// `ClapFeatureExtractor` does; a longer one (where transformers crops 10 s at random) is cut
/// into consecutive 10 s windows, each embedded, and the file's vector is the normalised mean
/// of theirs; each window is also kept as a segment, so a hit shows its best-matching moment.
///
/// At most `maxWindows` windows are read: when the file is longer and its header states its
/// length (WAV, FLAC, most MP3s), they are spread evenly from its start to its end (the last
/// ends at the end); otherwise the first `maxWindows` are read. A window shorter than
/// `minimumTailSeconds` at the end of a longer file is left out.
public struct ClapAudioWindows: Sendable, Equatable {
    /// Seconds per window: the model's `max_length_s`.
    public var seconds: Int
    public var maxWindows: Int
    public var minimumTailSeconds: Double

    public init(seconds: Int = 10, maxWindows: Int = 12, minimumTailSeconds: Double = 1) {
        self.seconds = max(1, seconds)
        self.maxWindows = max(1, maxWindows)
        self.minimumTailSeconds = minimumTailSeconds
    }

    /// Identifies the rule in the space fingerprint.
    var tag: String { "windows=\(seconds)s,max=\(maxWindows),tail=\(minimumTailSeconds),mean" }

    /// One window of samples and where it starts in the file, in seconds.
    public struct Window: Sendable {
        public let start: Double
        public let samples: [Float]
    }

    /// Reads the windows of the file at `url` as mono samples at `sampleRate`.
    /// Throws `MediaError` (naming the file) when it cannot be decoded, and an `EncoderError`
    /// when it holds no samples.
    public func read(_ url: URL, sampleRate: Int, limits: AudioLimits) throws -> [Window] {
        let length = seconds * sampleRate
        let reader = try AudioReader(contentsOf: url, sampleRate: sampleRate, limits: limits,
                                     maxSeconds: Double(seconds * maxWindows))
        let declared = reader.source.declaredDuration.map { min($0, limits.maxSeconds) }
        var windows: [Window] = []
        if let duration = declared, duration > Double(seconds * maxWindows) {
            // Spread: the first from this reader, the others from readers that seek.
            let step = (duration - Double(seconds)) / Double(maxWindows - 1)
            if let first = try reader.nextBlock(samples: length) {
                windows.append(Window(start: 0, samples: first.samples))
            }
            for i in 1..<maxWindows {
                let start = Double(i) * step
                let part = try AudioReader(contentsOf: url, sampleRate: sampleRate, limits: limits,
                                           startingAt: start, maxSeconds: Double(seconds))
                if let block = try part.nextBlock(samples: length) {
                    windows.append(Window(start: part.startTime, samples: block.samples))
                }
            }
        } else {
            while windows.count < maxWindows, let block = try reader.nextBlock(samples: length) {
                windows.append(Window(start: block.startTime, samples: block.samples))
            }
        }
        if windows.count > 1, let last = windows.last,
           Double(last.samples.count) < minimumTailSeconds * Double(sampleRate) {
            windows.removeLast()
        }
        guard let first = windows.first, !first.samples.isEmpty else {
            throw InputError("no audio samples")
        }
        return windows
    }
}
