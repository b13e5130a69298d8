/// Guards on the resources one audio file may take.
///
/// Audio is streamed (read, mixed down and resampled in blocks), so the file size does not
/// bound memory: the decoded duration does. A whole-file decode holds
/// `maxSeconds * sampleRate` floats (one hour at 16 kHz: 230 MB; at 48 kHz: 691 MB).
public struct AudioLimits: Sendable, Equatable {
    /// The most audio decoded from one file, in seconds (counted from the starting point).
    /// Decoding stops there and the result says so (`PCMAudio.stoppedAtLimit`); the rest of
    /// the file is not read. Default 3600 (one hour: a podcast, a lecture).
    public var maxSeconds: Double
    /// The largest file accepted, in bytes; a larger one is refused before it is opened.
    /// Default 4 GiB (the largest size a RIFF/WAV header can state).
    public var maxFileBytes: Int

    public static let defaultMaxSeconds: Double = 3600
    public static let defaultMaxFileBytes = 4 << 30

    public init(maxSeconds: Double = AudioLimits.defaultMaxSeconds,
                maxFileBytes: Int = AudioLimits.defaultMaxFileBytes) {
        self.maxSeconds = maxSeconds
        self.maxFileBytes = maxFileBytes
    }
}

/// "0.50 s", "2 min 05 s", "10 h 00 min": a duration with the precision a person needs.
func formatSeconds(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "\(seconds) s" }
    if seconds < 60 {
        let hundredths = Int((seconds * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }
    let whole = seconds < Double(Int.max / 2) ? Int(seconds.rounded()) : Int.max / 2
    if whole < 3600 {
        let s = whole % 60
        return "\(whole / 60) min \(s < 10 ? "0" : "")\(s) s"
    }
    let minutes = (whole / 60) % 60
    return "\(whole / 3600) h \(minutes < 10 ? "0" : "")\(minutes) min"
}
