import Foundation

/// Triangular mel filters exactly as transformers' `audio_utils.mel_filter_bank` computes them
/// (in `Double`, from the same formulas): filter centres evenly spaced on the mel scale between
/// `minFrequency` and `maxFrequency`, triangles over the FFT bins' frequencies
/// (`linspace(0, sampling_rate // 2, bins)`), optionally divided by their width in Hz
/// ("slaney" area normalisation).
///
/// ClapFeatureExtractor builds two banks: the Slaney-scale, Slaney-normalised one (librosa's
/// default, for "rand_trunc", the unfused model) and the HTK one without normalisation
/// (torchaudio's default, for "fusion").
public struct MelFilterBank: Sendable {
    public enum Scale: Sendable { case htk, slaney }

    public let binCount: Int
    public let melCount: Int
    /// Each filter's non-zero span of bins and the weights over it.
    public let filters: [(firstBin: Int, weights: [Double])]

    public init(binCount: Int, melCount: Int, minFrequency: Double, maxFrequency: Double, samplingRate: Int,
                scale: Scale, slaneyNormalized: Bool) {
        self.binCount = binCount
        self.melCount = melCount
        let melMin = Self.hertzToMel(minFrequency, scale), melMax = Self.hertzToMel(maxFrequency, scale)
        let mels = Self.linspace(melMin, melMax, melCount + 2)
        let centres = mels.map { Self.melToHertz($0, scale) }
        let fftFrequencies = Self.linspace(0, Double(samplingRate / 2), binCount)
        var filters: [(firstBin: Int, weights: [Double])] = []
        for m in 0..<melCount {
            // transformers: max(0, min(down, up)) with down = (f - c[m]) / (c[m+1] - c[m]) and
            // up = (c[m+2] - f) / (c[m+2] - c[m+1]).
            let lowerWidth = centres[m + 1] - centres[m], upperWidth = centres[m + 2] - centres[m + 1]
            let norm = slaneyNormalized ? 2.0 / (centres[m + 2] - centres[m]) : 1.0
            var row = [Double](repeating: 0, count: binCount)
            for k in 0..<binCount {
                let down = -(centres[m] - fftFrequencies[k]) / lowerWidth
                let up = (centres[m + 2] - fftFrequencies[k]) / upperWidth
                row[k] = max(0, min(down, up)) * norm
            }
            let first = row.firstIndex { $0 != 0 } ?? 0
            let last = row.lastIndex { $0 != 0 } ?? -1
            filters.append((first, last >= first ? Array(row[first...last]) : []))
        }
        self.filters = filters
    }

    /// `mel[m] = Σ_k filter[m][k] · power[k]`, floored at `floor` (transformers' `mel_floor`).
    public func apply(_ power: UnsafePointer<Double>, floor: Double, into mel: UnsafeMutablePointer<Double>) {
        for (m, filter) in filters.enumerated() {
            var sum = 0.0
            for (j, w) in filter.weights.enumerated() { sum += w * power[filter.firstBin + j] }
            mel[m] = max(floor, sum)
        }
    }

    static func hertzToMel(_ f: Double, _ scale: Scale) -> Double {
        switch scale {
        case .htk:
            return 2595.0 * log10(1.0 + f / 700.0)
        case .slaney:
            // Linear below 1 kHz, logarithmic above.
            let minLogHertz = 1000.0, minLogMel = 15.0, logStep = 27.0 / log(6.4)
            return f >= minLogHertz ? minLogMel + log(f / minLogHertz) * logStep : 3.0 * f / 200.0
        }
    }

    static func melToHertz(_ m: Double, _ scale: Scale) -> Double {
        switch scale {
        case .htk:
            return 700.0 * (pow(10, m / 2595.0) - 1.0)
        case .slaney:
            let minLogHertz = 1000.0, minLogMel = 15.0, logStep = log(6.4) / 27.0
            return m >= minLogMel ? minLogHertz * exp(logStep * (m - minLogMel)) : 200.0 * m / 3.0
        }
    }

    /// numpy's `linspace(start, stop, count)`: `start + i · step`, the last value exactly `stop`.
    static func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return [start] }
        let step = (stop - start) / Double(count - 1)
        var out = (0..<count).map { start + Double($0) * step }
        out[count - 1] = stop
        return out
    }
}
