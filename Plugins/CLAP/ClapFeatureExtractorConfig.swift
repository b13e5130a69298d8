import Foundation
import MMTensor

/// A checkpoint's `preprocessor_config.json` (Hugging Face `ClapFeatureExtractor`), with its key
/// names. Keys left out take the class's defaults, as `ClapFeatureExtractor(**file)` does.
///
/// laion/clap-htsat-unfused's file (`unfused`) differs from those defaults in two values:
/// `frequency_min` 50 and `truncation` "rand_trunc" (the fused model's file says "fusion").
/// Only the unfused model's truncation is supported; its random crop becomes an offset the caller
/// picks (`ClapFeatureExtractor.features(_:cropOffset:)`).
public struct ClapFeatureExtractorConfig: ConfigFile, Equatable {
    /// How audio shorter than `max_length_s` is made long enough.
    public enum Padding: String, Sendable, Equatable, Codable {
        /// Repeated as many whole times as fit, then zeros (CLAP's).
        case repeatpad
        /// Repeated, then cut.
        case `repeat`
        /// Zeros.
        case pad
    }

    /// Mel bins (`n_mels`).
    public var feature_size = 64
    public var sampling_rate = 48_000
    public var hop_length = 480
    /// Seconds the model sees; longer audio is cut, shorter padded.
    public var max_length_s = 10
    public var fft_window_size = 1024
    public var padding_value = 0.0
    public var frequency_min = 0.0
    public var frequency_max = 14_000.0
    /// "rand_trunc" (supported) or "fusion" (the fused model's, not supported).
    public var truncation = "fusion"
    public var padding = Padding.repeatpad

    public init() {}

    /// laion/clap-htsat-unfused's `preprocessor_config.json`.
    public static let unfused: ClapFeatureExtractorConfig = {
        var c = ClapFeatureExtractorConfig()
        c.frequency_min = 50
        c.truncation = "rand_trunc"
        return c
    }()

    /// Samples the model sees: `max_length_s · sampling_rate` (transformers' `nb_max_samples`).
    public var maxSamples: Int { max_length_s * sampling_rate }
    /// Spectrogram frames of `maxSamples` (centred frames: one more than hops).
    public var frameCount: Int { maxSamples / hop_length + 1 }
    /// FFT bins (`fft_window_size / 2 + 1`).
    public var binCount: Int { fft_window_size / 2 + 1 }

    public static let kind = "ClapFeatureExtractor config"

    public func validate(file: String = "preprocessor_config.json") throws {
        try ConfigCheck.counts(["feature_size": (feature_size, ModelLimits.melBins),
                                "sampling_rate": (sampling_rate, ModelLimits.sampleRate),
                                "hop_length": (hop_length, ModelLimits.fftWindow),
                                "max_length_s": (max_length_s, ModelLimits.clipSeconds),
                                "fft_window_size": (fft_window_size, ModelLimits.fftWindow)],
                               in: "preprocessor", file: file)
        guard truncation == "rand_trunc" else {
            throw WeightsError(file, "truncation \(truncation) is not supported (rand_trunc, the unfused model's)")
        }
        guard fft_window_size >= 4, fft_window_size & (fft_window_size - 1) == 0 else {
            throw WeightsError(file, "fft_window_size \(fft_window_size) is not a power of two")
        }
        guard maxSamples > fft_window_size / 2 else {
            throw WeightsError(file, "max_length_s \(max_length_s) is too short for fft_window_size \(fft_window_size)")
        }
        guard frequency_min >= 0, frequency_min < frequency_max,
              frequency_max <= Double(sampling_rate) / 2 else {
            throw WeightsError(file, "frequency_min \(frequency_min) and frequency_max \(frequency_max) do not fit sampling_rate \(sampling_rate)")
        }
        guard frameCount <= ModelLimits.frames else {
            throw WeightsError(file, "hop_length \(hop_length) makes \(frameCount) frames of max_length_s \(max_length_s), more than \(ModelLimits.frames), the largest accepted")
        }
        // The frames of one clip, each a window of samples, are what the FFTs run over.
        try ConfigCheck.activation(frameCount * fft_window_size, "\(frameCount) frames × fft_window_size \(fft_window_size)",
                                   in: "preprocessor", file: file)
        try ConfigCheck.finite([padding_value], key: "padding_value", file: file)
    }
}

extension ClapFeatureExtractorConfig.Padding {
    /// One of the names; another is an error naming the key and the names.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let padding = Self(rawValue: name) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "padding \(name) is not repeatpad, repeat or pad")
        }
        self = padding
    }
}
