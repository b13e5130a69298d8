import Testing
@testable import MMMedia

/// Channels are mixed down to their mean: summed in channel order in Float, divided by the
/// channel count (numpy's float32 mean over the channel axis, librosa's `to_mono`).
@Suite struct AudioMixdownTests {
    @Test func stereoBecomesTheMeanOfLeftAndRight() throws {
        let wav = TestWAV.pcm16([[16384, -8192], [1, 0], [-32768, -32768], [32767, -32768]], sampleRate: 8000)
        let audio = try AudioDecoder.decode(bytes: wav, sampleRate: 8000)
        #expect(audio.samples == [0.125, 0.5 / 32768, -1, -0.5 / 32768])
        #expect(audio.source?.channels == 2)
    }

    @Test func threeChannelsAreSummedInOrderThenDividedByThree() throws {
        let frames: [[Int16]] = [[1000, 2000, 4000], [-123, 32000, 7], [32767, 32767, 32767], [3, 5, 11]]
        let audio = try AudioDecoder.decode(bytes: TestWAV.pcm16(frames, sampleRate: 8000), sampleRate: 8000)
        let expected = frames.map { frame -> Float in
            let scaled = frame.map { Float($0) / 32768 }
            return (scaled[0] + scaled[1] + scaled[2]) / 3
        }
        #expect(audio.samples == expected)
    }

    @Test func monoSamplesAreScaledBy1Over32768AndOtherwiseUntouched() throws {
        let values: [Int16] = [0, 1, -1, 12345, -32768, 32767]
        let audio = try AudioDecoder.decode(bytes: TestWAV.pcm16(values.map { [$0] }, sampleRate: 22050), sampleRate: 22050)
        #expect(audio.samples == values.map { Float($0) / 32768 })
    }

    @Test func samplesStayWithinPlusMinusOneAfterResampling() throws {
        // A full-scale square wave overshoots when band-limited; the result is clamped.
        let square: [[Int16]] = (0..<4000).map { [($0 / 20) % 2 == 0 ? 32767 : -32768] }
        let audio = try AudioDecoder.decode(bytes: TestWAV.pcm16(square, sampleRate: 8000), sampleRate: 44100)
        #expect(audio.samples.allSatisfy { (-1...1).contains($0) })
        #expect(audio.samples.contains(1) && audio.samples.contains(-1))
    }
}
