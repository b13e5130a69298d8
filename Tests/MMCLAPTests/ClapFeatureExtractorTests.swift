import Foundation
import MMCLAP
import MMTensor
import MMTestSupport
import Testing

/// The log-mel features against transformers' ClapFeatureExtractor (laion/clap-htsat-unfused's
/// preprocessor_config.json) on the five fixture clips, and the pieces they are made of.
@Suite(.serialized)
struct ClapFeatureExtractorTests {
    @Test func melSpectrogramsMatchTheReferenceWithin1e4() throws {
        let fixture = try ClapFixtures.audioFixture()
        let reference = try ClapFixtures.floats(fixture.features)
        let extractor = try ClapFeatureExtractor(config: .unfused)
        let n = extractor.featureCount
        #expect(fixture.features_shape == [fixture.clips.count, 1001, 64])
        #expect(reference.count == fixture.clips.count * n)
        let clips = try ClapFixtures.clips.get()
        for (i, clip) in fixture.clips.enumerated() {
            let samples = try #require(clips[clip.name])
            #expect(samples.count == clip.samples, "\(clip.name)")
            let got = try extractor.features(samples, cropOffset: clip.crop_offset ?? 0)
            let d = maxAbsDifference(got, Array(reference[(i * n)..<((i + 1) * n)]))
            #expect(d <= 1e-4, "\(clip.name): max |Δ| = \(d) dB")
            print("CLAP log-mel \(clip.name): max |Δ| = \(d) dB")
        }
    }

    @Test func theFixtureClipsCoverRepeatPaddingExactLengthAndCropping() throws {
        let fixture = try ClapFixtures.audioFixture()
        let byName = Dictionary(uniqueKeysWithValues: fixture.clips.map { ($0.name, $0) })
        #expect(byName["sweep"]?.repeats == 3 && (byName["sweep"]?.zero_padding ?? 0) > 0)
        #expect(byName["short"]?.repeats == 76)
        #expect(byName["noise"]?.samples == 480_000 && byName["noise"]?.zero_padding == 0)
        #expect((byName["long"]?.crop_offset ?? 0) > 0, "the crop must not be at the start")
    }

    @Test func shortAudioIsRepeatedWholeThenZeroPadded() throws {
        let extractor = try ClapFeatureExtractor(config: .unfused)
        let clip: [Float] = (0..<130_000).map { Float($0 % 7) / 10 }
        let fitted = try extractor.fitted(clip)
        #expect(fitted.count == 480_000)
        #expect(Array(fitted[0..<130_000]) == clip.map(Double.init))
        #expect(Array(fitted[260_000..<390_000]) == clip.map(Double.init))
        #expect(fitted[390_000...].allSatisfy { $0 == 0 }, "three whole repeats, then zeros")
    }

    @Test func longAudioIsCutAtTheOffsetClampedToTheClip() throws {
        let extractor = try ClapFeatureExtractor(config: .unfused)
        let clip: [Float] = (0..<500_000).map { Float($0) }
        #expect(try extractor.fitted(clip, cropOffset: 1234).first == 1234)
        #expect(try extractor.fitted(clip, cropOffset: 0).first == 0)
        #expect(try extractor.fitted(clip, cropOffset: 99_999).first == 20_000, "clamped to the last possible start")
        #expect(try extractor.fitted(clip, cropOffset: -5).first == 0)
    }

    @Test func emptyOrNonFiniteAudioIsAnErrorNotACrash() throws {
        let extractor = try ClapFeatureExtractor(config: .unfused)
        #expect(throws: (any Error).self) { try extractor.features([]) }
        #expect(throws: (any Error).self) { try extractor.features([0.1, .nan, 0.2]) }
        #expect(throws: (any Error).self) { try extractor.features([.infinity]) }
        // One sample is enough: it is repeated 480000 times.
        #expect(try extractor.features([0.25]).count == extractor.featureCount)
    }

    @Test func realFFTMatchesTheDirectTransform() {
        let n = 64
        let fft = RealFFT(length: n)
        let x: [Double] = (0..<n).map { sin(Double($0) * 0.37) + Double($0 % 5) * 0.1 }
        var re = [Double](repeating: 0, count: fft.binCount), im = re
        var scratch = [Double](repeating: 0, count: fft.scratchCount)
        fft.transform(x, re: &re, im: &im, scratch: &scratch)
        var worst = 0.0
        for k in 0..<fft.binCount {
            var r = 0.0, i = 0.0
            for t in 0..<n {
                r += x[t] * cos(-2 * Double.pi * Double(k * t) / Double(n))
                i += x[t] * sin(-2 * Double.pi * Double(k * t) / Double(n))
            }
            worst = max(worst, abs(r - re[k]), abs(i - im[k]))
        }
        #expect(worst < 1e-12)
    }

    @Test func slaneyFiltersAreAreaNormalisedTrianglesBetweenFminAndFmax() {
        let bank = MelFilterBank(binCount: 513, melCount: 64, minFrequency: 50, maxFrequency: 14_000, samplingRate: 48_000,
                                 scale: .slaney, slaneyNormalized: true)
        #expect(bank.filters.count == 64)
        // Bins are 46.875 Hz apart: nothing below 50 Hz or above 14 kHz is weighted.
        #expect(bank.filters.allSatisfy { !$0.weights.isEmpty })
        #expect(bank.filters[0].firstBin >= 1)
        #expect(bank.filters.map { $0.firstBin + $0.weights.count - 1 }.max()! <= 14_000 * 1024 / 48_000)
        // Slaney normalisation: each triangle's area in Hz is about 1.
        for filter in bank.filters.dropFirst(8) {
            let area = filter.weights.reduce(0, +) * 46.875
            #expect(abs(area - 1) < 0.1, "area \(area)")
        }
        let htk = MelFilterBank(binCount: 513, melCount: 64, minFrequency: 50, maxFrequency: 14_000, samplingRate: 48_000,
                                scale: .htk, slaneyNormalized: false)
        #expect(htk.filters.allSatisfy { ($0.weights.max() ?? 0) <= 1 }, "unnormalised triangles peak at most at 1")
    }

    @Test func preprocessorConfigsTakeTheExtractorsDefaultsAndRefuseTheFusedModel() throws {
        let dir = try ClapFixtures.temporaryDirectory("preprocessor")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("preprocessor_config.json")
        #expect(try ClapFeatureExtractorConfig.load(ClapFixtures.tinyDirectory.appendingPathComponent("preprocessor_config.json")) == .unfused)
        try #"{"truncation": "rand_trunc"}"#.write(to: url, atomically: true, encoding: .utf8)
        let defaults = try ClapFeatureExtractorConfig.load(url)
        #expect(defaults.frequency_min == 0 && defaults.frequency_max == 14_000 && defaults.feature_size == 64)
        #expect(defaults.frameCount == 1001 && defaults.maxSamples == 480_000)
        try #"{"truncation": "fusion"}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("preprocessor_config.json", "truncation fusion is not supported (rand_trunc, the unfused model's)")) {
            try ClapFeatureExtractorConfig.load(url)
        }
        try #"{"truncation": "rand_trunc", "padding": "mirror"}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError.self) { try ClapFeatureExtractorConfig.load(url) }
        try #"{"truncation": "rand_trunc", "fft_window_size": 1000}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("preprocessor_config.json", "fft_window_size 1000 is not a power of two")) {
            try ClapFeatureExtractorConfig.load(url)
        }
    }
}
