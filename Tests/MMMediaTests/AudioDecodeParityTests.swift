import Testing
@testable import MMMedia

/// Every format decodes, at its own rate, to the samples ffmpeg's own decoders give, mixed
/// down by the same rule: exactly for WAV and FLAC, within the fixture's tolerance for the
/// lossy codecs (two implementations of one codec round differently).
@Suite struct AudioDecodeParityTests {
    @Test("decodes like the reference decoder", arguments: AudioFixtures.decodeCases)
    func decodesLikeTheReferenceDecoder(_ fixture: AudioFixtures.DecodeCase) throws {
        let audio = try AudioDecoder.decode(contentsOf: AudioFixtures.url(fixture.file), sampleRate: fixture.sample_rate)
        let expected = try AudioFixtures.floats(fixture.reference)
        #expect(expected.count == fixture.frames)
        expectSamples(audio.samples, expected, tolerance: fixture.tolerance, fixture.name)
        #expect(audio.sampleRate == fixture.sample_rate)
        #expect(audio.startTime == 0)
        #expect(!audio.stoppedAtLimit)
        let source = try #require(audio.source)
        #expect(source.format.rawValue == fixture.format)
        #expect(source.sampleRate == fixture.sample_rate)
        #expect(source.channels == fixture.channels)
        #expect(source.declaredFrames == fixture.frames)
    }

    @Test func flacDecodesToTheSameSamplesAsItsWAVSource() throws {
        for (wav, flac) in [("wav/s16_stereo_44100.wav", "flac/s16_stereo_44100.flac"),
                            ("wav/s24_mono_48000.wav", "flac/s24_mono_48000.flac")] {
            let a = try AudioDecoder.decode(contentsOf: AudioFixtures.url(wav), sampleRate: 16000)
            let b = try AudioDecoder.decode(contentsOf: AudioFixtures.url(flac), sampleRate: 16000)
            #expect(a.samples == b.samples, "\(flac)")
        }
    }

    @Test func contentDecidesTheFormatNotTheFileName() throws {
        let opus = try AudioDecoder.decode(contentsOf: AudioFixtures.url("misnamed/opus_named.wav"), sampleRate: 48000)
        #expect(opus.source?.format == .oggOpus)
        let wav = try AudioDecoder.decode(contentsOf: AudioFixtures.url("misnamed/wav_named.mp3"), sampleRate: 8000)
        #expect(wav.source?.format == .wav)
    }
}
