import Foundation
import MMTensor

/// CLAP's audio features exactly as transformers' `ClapFeatureExtractor` makes them for the
/// unfused model (`truncation="rand_trunc"`, feature_extraction_clap.py `_get_input_mel`):
///
/// 1. audio longer than `max_length_s` is cut to that length at `cropOffset` (transformers
///    draws the offset with `np.random.randint(0, overflow + 1)`; here the caller picks it);
///    shorter audio is repeated as many whole times as fit, then zero-padded ("repeatpad");
/// 2. the power spectrogram: frames of `fft_window_size` samples every `hop_length`, centred
///    (reflect-padded by half a window), times a periodic Hann window, real FFT in `Double`,
///    each complex value rounded to float32 as transformers stores it, then `|X|²`;
/// 3. the Slaney mel filters, floored at 1e-10, then `10 · log10` (power to dB, reference 1).
///
/// The result is `[frames, mel bins]` float32 (`input_features[i, 0]`), 1001 × 64 for CLAP.
/// Input is mono PCM at `sampling_rate` (48 kHz): resampling is the caller's.
public struct ClapFeatureExtractor: Sendable {
    public let config: ClapFeatureExtractorConfig
    public let melFilters: MelFilterBank
    private let fft: RealFFT
    private let window: [Double]

    public init(config: ClapFeatureExtractorConfig = .unfused) throws {
        try config.validate()
        self.config = config
        fft = RealFFT(length: config.fft_window_size)
        melFilters = MelFilterBank(binCount: config.binCount, melCount: config.feature_size,
                                   minFrequency: config.frequency_min, maxFrequency: config.frequency_max,
                                   samplingRate: config.sampling_rate, scale: .slaney, slaneyNormalized: true)
        // A mel bin whose filter covers no FFT bin would be the floor (-100 dB) for every sound:
        // transformers only warns; such features are meaningless, so the file is refused.
        if let empty = melFilters.filters.firstIndex(where: { $0.weights.isEmpty || !$0.weights.allSatisfy(\.isFinite) }) {
            throw WeightsError("preprocessor_config.json", "feature_size \(config.feature_size): mel filter \(empty) covers no FFT bin of fft_window_size \(config.fft_window_size) between frequency_min \(config.frequency_min) and frequency_max \(config.frequency_max)")
        }
        // numpy's hanning(N + 1)[:-1]: 0.5 + 0.5 cos(π n / N) for n = -N, -N+2, …, N-2.
        let n = config.fft_window_size
        window = (0..<n).map { 0.5 + 0.5 * cos(Double.pi * Double(2 * $0 - n) / Double(n)) }
    }

    /// Floats of one clip's features: `frameCount · feature_size`.
    public var featureCount: Int { config.frameCount * config.feature_size }

    /// The samples the spectrogram is taken of: cut at `cropOffset` (clamped to the audio) when
    /// longer than `maxSamples`, padded as `padding` says when shorter. Throws for empty audio.
    public func fitted(_ audio: [Float], cropOffset: Int = 0) throws -> [Double] {
        let maxSamples = config.maxSamples
        guard !audio.isEmpty else { throw InputError("empty audio: no samples") }
        if audio.count > maxSamples {
            let offset = min(max(cropOffset, 0), audio.count - maxSamples)
            return audio[offset..<(offset + maxSamples)].map(Double.init)
        }
        var out: [Double] = []
        out.reserveCapacity(maxSamples)
        switch config.padding {
        case .repeatpad:
            for _ in 0..<(maxSamples / audio.count) { out.append(contentsOf: audio.lazy.map(Double.init)) }
        case .repeat:
            while out.count < maxSamples { out.append(contentsOf: audio.lazy.map(Double.init)) }
            out.removeLast(out.count - maxSamples)
        case .pad:
            out.append(contentsOf: audio.lazy.map(Double.init))
        }
        out.append(contentsOf: repeatElement(config.padding_value, count: maxSamples - out.count))
        return out
    }

    /// The log-mel features of one clip (48 kHz mono), `[frameCount, feature_size]` row-major.
    /// `cropOffset` says where a clip longer than `max_length_s` is cut (0: its start).
    public func features(_ audio: [Float], cropOffset: Int = 0) throws -> [Float] {
        var out = [Float](repeating: 0, count: featureCount)
        try out.withUnsafeMutableBufferPointer { try features(audio, cropOffset: cropOffset, into: $0.baseAddress!) }
        return out
    }

    /// `features(_:cropOffset:)` written into `out` (`featureCount` floats).
    public func features(_ audio: [Float], cropOffset: Int = 0, into out: UnsafeMutablePointer<Float>) throws {
        guard audio.allSatisfy(\.isFinite) else { throw InputError("audio holds NaN or infinite samples") }
        let signal = try fitted(audio, cropOffset: cropOffset)
        logMel(centredReflectPadded(signal), into: out)
    }

    /// The signal with `fft_window_size / 2` samples mirrored at each end (numpy's "reflect").
    private func centredReflectPadded(_ x: [Double]) -> [Double] {
        let pad = config.fft_window_size / 2, n = x.count
        var out = [Double](repeating: 0, count: n + 2 * pad)
        for i in 0..<pad { out[pad - 1 - i] = x[reflect(i + 1, n)] }
        for i in 0..<n { out[pad + i] = x[i] }
        for i in 0..<pad { out[pad + n + i] = x[reflect(n - 2 - i, n)] }
        return out
    }

    /// An index reflected into `0..<n` (the edge sample is not repeated).
    private func reflect(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - j
    }

    private func logMel(_ padded: [Double], into out: UnsafeMutablePointer<Float>) {
        let n = config.fft_window_size, hop = config.hop_length, bins = config.binCount, mels = config.feature_size
        let frames = 1 + (padded.count - n) / hop
        precondition(frames == config.frameCount)
        var frame = [Double](repeating: 0, count: n)
        var re = [Double](repeating: 0, count: bins), im = [Double](repeating: 0, count: bins)
        var power = [Double](repeating: 0, count: bins), mel = [Double](repeating: 0, count: mels)
        var scratch = [Double](repeating: 0, count: fft.scratchCount)
        for t in 0..<frames {
            let start = t * hop
            for i in 0..<n { frame[i] = padded[start + i] * window[i] }
            fft.transform(frame, re: &re, im: &im, scratch: &scratch)
            for k in 0..<bins {
                // transformers keeps the spectrum as complex64, then takes |X| in float64.
                let r = Double(Float(re[k])), i = Double(Float(im[k]))
                power[k] = r * r + i * i
            }
            melFilters.apply(power, floor: 1e-10, into: &mel)
            let row = out + t * mels
            for m in 0..<mels { row[m] = Float(10 * log10(mel[m])) }
        }
    }
}
