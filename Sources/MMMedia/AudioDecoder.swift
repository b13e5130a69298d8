/// Decodes WAV, FLAC, Ogg Vorbis, Ogg Opus and MP3 files through libsndfile into mono
/// `Float` samples at the rate an encoder asks for, resampled with libsamplerate.
///
/// The format is detected from the content, never from the file name. Channels are mixed
/// down to their mean, as librosa and torchaudio do. The file is streamed (see `AudioReader`,
/// which also serves callers that want blocks as they come): only the result is held whole.
///
/// Every failure throws a `MediaError` naming the file and the reason: an empty file, one
/// that is not audio, an audio format or codec libsndfile cannot decode, a file cut short
/// (a WAV `data` chunk or a FLAC/MP3 length that the data does not reach, an Ogg stream
/// without its end-of-stream page: the "ten-hour header" of a tiny file is one of these),
/// damaged data. No header can make it allocate the length it claims. Safe to call from
/// several threads at once.
public enum AudioDecoder {
    /// Decodes the audio file at `url` (see `AudioReader.init(contentsOf:…)` for the
    /// parameters).
    ///
    /// - Throws: `MediaError`, whose message starts with the path as `url` gives it.
    public static func decode(contentsOf url: URL, sampleRate: Int, limits: AudioLimits = .init(),
                              startingAt: Double = 0, maxSeconds: Double? = nil,
                              quality: ResampleQuality = .medium) throws -> PCMAudio {
        try AudioReader(contentsOf: url, sampleRate: sampleRate, limits: limits, startingAt: startingAt,
                        maxSeconds: maxSeconds, quality: quality).readToEnd()
    }

    /// Decodes audio held in memory. `name` stands for the file in error messages.
    public static func decode(bytes: [UInt8], name: String = "<memory>", sampleRate: Int,
                              limits: AudioLimits = .init(), startingAt: Double = 0, maxSeconds: Double? = nil,
                              quality: ResampleQuality = .medium) throws -> PCMAudio {
        try AudioReader(bytes: bytes, name: name, sampleRate: sampleRate, limits: limits, startingAt: startingAt,
                        maxSeconds: maxSeconds, quality: quality).readToEnd()
    }
}
