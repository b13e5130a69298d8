import CAudio

/// Which of libsamplerate's band-limited sinc converters resamples.
///
/// Its documentation gives all three a worst-case SNR of 97 dB; they differ in how much of the
/// band below the lower Nyquist frequency stays flat: 97 %, 90 %, 80 %. The default,
/// `medium`, keeps 0–7.2 kHz flat when converting to 16 kHz (speech features stop near
/// 6.8 kHz) and 0–19.8 kHz from 44.1 to 48 kHz, about five times faster than `best`.
public enum ResampleQuality: String, Sendable, CaseIterable {
    case best, medium, fastest

    var shim: mm_resample_quality {
        switch self {
        case .best: MM_RESAMPLE_BEST
        case .medium: MM_RESAMPLE_MEDIUM
        case .fastest: MM_RESAMPLE_FASTEST
        }
    }
}

/// One channel through libsamplerate at a fixed ratio, block by block. Blocks of any size give
/// exactly the samples of one call over the whole signal.
final class AudioResampler {
    let inputRate: Int
    let outputRate: Int
    private let handle: OpaquePointer

    /// libsamplerate converts by factors up to 256 either way.
    static func canConvert(from inputRate: Int, to outputRate: Int) -> Bool {
        inputRate > 0 && outputRate > 0 && outputRate <= inputRate * 256 && inputRate <= outputRate * 256
    }

    /// Returns nil when libsamplerate refuses the ratio (see `canConvert`) or memory runs out.
    init?(from inputRate: Int, to outputRate: Int, quality: ResampleQuality) {
        guard Self.canConvert(from: inputRate, to: outputRate) else { return nil }
        var resampler: OpaquePointer?
        let (status, _) = ShimCall.withMessage { text, capacity in
            mm_resampler_new(quality.shim, Double(outputRate) / Double(inputRate), &resampler, text, capacity)
        }
        guard status == MM_OK, let resampler else { return nil }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.handle = resampler
    }

    deinit { mm_resampler_free(handle) }

    /// Converts `input` and appends the result to `output`; `end` flushes the converter (after
    /// it, nothing more may be fed).
    func process(_ input: UnsafeBufferPointer<Float>, end: Bool, into output: inout [Float]) throws(AudioResamplerError) {
        var offset = 0
        while true {
            let remaining = input.count - offset
            let capacity = remaining * outputRate / inputRate + 4096
            let before = output.count
            output.append(contentsOf: repeatElement(0, count: capacity))
            var used: Int64 = 0
            var generated: Int64 = 0
            let (status, message) = output.withUnsafeMutableBufferPointer { out in
                ShimCall.withMessage { text, size in
                    mm_resampler_process(handle, input.baseAddress.map { $0 + offset }, Int64(remaining), end ? 1 : 0,
                                         out.baseAddress! + before, Int64(capacity), &used, &generated, text, size)
                }
            }
            output.removeLast(capacity - Int(generated))
            guard status == MM_OK else { throw AudioResamplerError(message: message) }
            offset += Int(used)
            // Done when the input is consumed and, at the end, when the delay line is empty.
            if offset >= input.count && (!end || generated == 0) { return }
            if used == 0 && generated == 0 { return }
        }
    }
}

struct AudioResamplerError: Error {
    let message: String
}
