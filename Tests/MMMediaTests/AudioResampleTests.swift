import Foundation
import Testing
@testable import MMMedia

/// Resampling: libsamplerate called once over the whole signal (by the fixture script) gives
/// exactly what the decoder computes block by block; a pure tone lands where and how loud it
/// should, whoever the reference.
@Suite struct AudioResampleTests {
    @Test("resamples like libsamplerate in one call", arguments: AudioFixtures.resampleCases)
    func resamplesLikeLibsamplerateInOneCall(_ fixture: AudioFixtures.ResampleCase) throws {
        let quality = try #require(ResampleQuality(rawValue: fixture.quality))
        let audio = try AudioDecoder.decode(contentsOf: AudioFixtures.url(fixture.file), sampleRate: fixture.sample_rate,
                                            quality: quality)
        #expect(audio.source?.sampleRate == fixture.input_rate)
        #expect(audio.sampleRate == fixture.sample_rate)
        expectSamples(audio.samples, try AudioFixtures.floats(fixture.reference), tolerance: fixture.tolerance, fixture.name)
    }

    @Test(arguments: [16000, 48000, 22050])
    func aResampledSineKeepsItsFrequencyPhaseAndAmplitude(rate: Int) throws {
        let sine = try AudioFixtures.index.get().sine
        let audio = try AudioDecoder.decode(contentsOf: AudioFixtures.url(sine.file), sampleRate: rate)
        #expect(audio.samples.count == AudioReader.outputLength(frames: sine.frames, from: sine.sample_rate, to: rate))
        // Away from the ends (where the filter meets the silence around the clip), every sample
        // is the continuous sine at its own time: a shift of one output sample would be off by
        // up to 0.5 * 2π * 1000 / rate ≈ 0.07-0.2, a gain error of 0.1 % by 5e-4.
        let margin = rate / 50
        var worst = 0.0
        for k in margin..<(audio.samples.count - margin) {
            let t = Double(k) / Double(rate)
            let expected = sine.amplitude * sin(2 * Double.pi * sine.frequency * t)
            worst = max(worst, abs(Double(audio.samples[k]) - expected))
        }
        #expect(worst < 2e-4, "max error \(worst) at \(rate) Hz")
    }

    @Test func outputLengthIsTheCeilingOfTheScaledFrameCount() {
        #expect(AudioReader.outputLength(frames: 44100, from: 44100, to: 16000) == 16000)
        #expect(AudioReader.outputLength(frames: 44101, from: 44100, to: 16000) == 16001)
        #expect(AudioReader.outputLength(frames: 1, from: 48000, to: 16000) == 1)
        #expect(AudioReader.outputLength(frames: 0, from: 48000, to: 16000) == 0)
        #expect(AudioReader.outputLength(frames: 1 << 60, from: 8000, to: 48000) == 6 << 60)
    }

    @Test func theSameRateIsNotResampled() throws {
        let frames = TestWAV.stereoSignal(frames: 3000, sampleRate: 16000)
        let audio = try AudioDecoder.decode(bytes: TestWAV.pcm16(frames, sampleRate: 16000), sampleRate: 16000)
        #expect(audio.samples == frames.map { (Float($0[0]) / 32768 + Float($0[1]) / 32768) / 2 })
    }

    @Test func everyQualityResamplesToTheSameLength() throws {
        let url = AudioFixtures.url("wav/s16_stereo_44100.wav")
        let counts = try ResampleQuality.allCases.map {
            try AudioDecoder.decode(contentsOf: url, sampleRate: 16000, quality: $0).samples.count
        }
        #expect(Set(counts) == [3200])
    }

    @Test func aRatioBeyondLibsampleratesRangeIsRefused() throws {
        let wav = TestWAV.pcm16(Array(repeating: [0], count: 100), sampleRate: 100)
        let error = try #require(throws: MediaError.self) {
            try AudioDecoder.decode(bytes: wav, name: "slow.wav", sampleRate: 48000)
        }
        #expect(error.kind == .unsupported)
        #expect(error.description == "slow.wav: unsupported sample rate: 100 Hz cannot be resampled to 48000 Hz (libsamplerate converts by factors up to 256)")
        // The same file at a reachable rate decodes.
        #expect(try AudioDecoder.decode(bytes: wav, sampleRate: 16000).samples.count == 16000)
    }
}
