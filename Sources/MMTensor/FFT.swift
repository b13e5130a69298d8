import Foundation

/// The discrete Fourier transform of real signals of one power-of-two length, in `Double`
/// (numpy's `rfft`, which spectrogram code such as transformers' `audio_utils.spectrogram`
/// computes in float64): an iterative radix-2 complex FFT of half the length, then the split
/// that turns it into the spectrum of the real signal. Tables are built once; `transform` does
/// not allocate.
public struct RealFFT: Sendable {
    /// Samples per transform.
    public let length: Int
    /// Frequency bins of the result: `length / 2 + 1`.
    public var binCount: Int { length / 2 + 1 }

    private let half: Int
    private let bitReversed: [Int]
    /// `exp(-2πi k / half)` for the complex FFT, k < half / 2.
    private let twiddleRe: [Double], twiddleIm: [Double]
    /// `exp(-2πi k / length)` for the real split, k ≤ half.
    private let splitRe: [Double], splitIm: [Double]

    /// `length` must be a power of two, at least 4.
    public init(length: Int) {
        precondition(length >= 4 && length & (length - 1) == 0, "RealFFT length \(length) is not a power of two ≥ 4")
        self.length = length
        half = length / 2
        var bits = 0
        while 1 << bits < half { bits += 1 }
        bitReversed = (0..<half).map { i in
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return r
        }
        let h = half
        twiddleRe = (0..<max(h / 2, 1)).map { cos(-2 * Double.pi * Double($0) / Double(h)) }
        twiddleIm = (0..<max(h / 2, 1)).map { sin(-2 * Double.pi * Double($0) / Double(h)) }
        splitRe = (0...h).map { cos(-2 * Double.pi * Double($0) / Double(length)) }
        splitIm = (0...h).map { sin(-2 * Double.pi * Double($0) / Double(length)) }
    }

    /// Scratch doubles `transform` needs.
    public var scratchCount: Int { 2 * half }

    /// The spectrum `X[k] = Σ x[n] e^{-2πi kn/N}`, k = 0 … N/2, of `length` real samples, written as
    /// `re[k]`, `im[k]`.
    public func transform(_ x: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>,
                          scratch: UnsafeMutablePointer<Double>) {
        let h = half
        // z[n] = x[2n] + i x[2n+1], in bit-reversed order.
        let zr = scratch, zi = scratch + h
        for n in 0..<h {
            let r = bitReversed[n]
            zr[r] = x[2 * n]
            zi[r] = x[2 * n + 1]
        }
        twiddleRe.withUnsafeBufferPointer { wr in
            twiddleIm.withUnsafeBufferPointer { wi in
                var size = 2
                while size <= h {
                    let step = h / size, halfSize = size / 2
                    var start = 0
                    while start < h {
                        for k in 0..<halfSize {
                            let cr = wr[k * step], ci = wi[k * step]
                            let a = start + k, b = a + halfSize
                            let tr = zr[b] * cr - zi[b] * ci
                            let ti = zr[b] * ci + zi[b] * cr
                            zr[b] = zr[a] - tr
                            zi[b] = zi[a] - ti
                            zr[a] += tr
                            zi[a] += ti
                        }
                        start += size
                    }
                    size *= 2
                }
            }
        }
        // X[k] = E[k] + W^k O[k], with E[k] = (Z[k] + conj Z[h-k]) / 2, O[k] = (Z[k] - conj Z[h-k]) / 2i.
        for k in 0...h {
            let a = k % h, b = (h - k) % h
            let er = 0.5 * (zr[a] + zr[b]), ei = 0.5 * (zi[a] - zi[b])
            let or = 0.5 * (zi[a] + zi[b]), oi = -0.5 * (zr[a] - zr[b])
            let wr = splitRe[k], wi = splitIm[k]
            re[k] = er + (or * wr - oi * wi)
            im[k] = ei + (or * wi + oi * wr)
        }
    }
}
