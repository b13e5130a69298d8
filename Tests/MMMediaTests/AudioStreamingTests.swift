import Testing
@testable import MMMedia

/// The streaming reader gives the samples of a whole-file decode, in blocks of the size asked
/// for; a starting point and a duration limit cut the same samples out; a limit stops reading;
/// a long file is read as it is delivered, in bounded memory.
@Suite struct AudioStreamingTests {
    static let files = ["wav/s16_stereo_44100.wav", "flac/s24_mono_48000.flac", "long/tones_5s_16000.flac",
                        "ogg/vorbis_stereo_44100.ogg", "ogg/opus_stereo_48000.opus", "mp3/stereo_44100.mp3",
                        "long/tones_2s_8000.wav"]

    @Test("blocks join into the whole-file decode", arguments: files, [16000, 48000])
    func blocksJoinIntoTheWholeFileDecode(file: String, rate: Int) throws {
        let url = AudioFixtures.url(file)
        let whole = try AudioDecoder.decode(contentsOf: url, sampleRate: rate).samples
        for blockSize in [1000, 4096, 16384 + 7] {
            let reader = try AudioReader(contentsOf: url, sampleRate: rate)
            var joined: [Float] = []
            while let block = try reader.nextBlock(samples: blockSize) {
                #expect(block.offset == joined.count)
                #expect(block.startTime == Double(joined.count) / Double(rate))
                joined += block.samples
                #expect(block.samples.count == blockSize || joined.count == whole.count, "short block before the end")
            }
            #expect(joined == whole, "\(file) at \(rate) Hz in blocks of \(blockSize)")
            #expect(reader.samplesDelivered == whole.count)
            #expect(try reader.nextBlock(samples: blockSize) == nil)
        }
    }

    @Test("starting later gives the tail of the whole decode", arguments: AudioFixtures.longClips)
    func startingLaterGivesTheTailOfTheWholeDecode(_ clip: AudioFixtures.LongClip) throws {
        let url = AudioFixtures.url(clip.file)
        let whole = try AudioDecoder.decode(contentsOf: url, sampleRate: clip.sample_rate, maxSeconds: 2).samples
        let later = try AudioDecoder.decode(contentsOf: url, sampleRate: clip.sample_rate, startingAt: 0.5, maxSeconds: 1.5)
        let start = clip.sample_rate / 2
        #expect(later.startTime == 0.5)
        #expect(later.samples == Array(whole[start..<min(whole.count, start + clip.sample_rate * 3 / 2)]), "\(clip.file)")
    }

    @Test func aLimitStopsAtItsDurationAndSaysMoreFollows() throws {
        let url = AudioFixtures.url("long/tones_2s_8000.wav")
        let whole = try AudioDecoder.decode(contentsOf: url, sampleRate: 8000)
        #expect(whole.samples.count == 16000 && !whole.stoppedAtLimit)
        let cut = try AudioDecoder.decode(contentsOf: url, sampleRate: 8000, maxSeconds: 0.25)
        #expect(cut.samples == Array(whole.samples[..<2000]))
        #expect(cut.stoppedAtLimit)
        let limited = try AudioDecoder.decode(contentsOf: url, sampleRate: 8000, limits: AudioLimits(maxSeconds: 0.25),
                                              maxSeconds: 1)
        #expect(limited.samples == cut.samples && limited.stoppedAtLimit)
        // A limit the file does not reach, or reaches exactly, is not "stopped at the limit".
        #expect(try !AudioDecoder.decode(contentsOf: url, sampleRate: 8000, maxSeconds: 2).stoppedAtLimit)
        #expect(try !AudioDecoder.decode(contentsOf: url, sampleRate: 8000, maxSeconds: 5).stoppedAtLimit)
        // Resampled, the limit counts source time: 0.25 s at 16 kHz.
        let resampled = try AudioDecoder.decode(contentsOf: url, sampleRate: 16000, maxSeconds: 0.25)
        #expect(resampled.samples.count == 4000 && resampled.stoppedAtLimit)
    }

    @Test("a limit leaves the rest of the file unread", arguments: ["long/tones_2s_8000.wav", "long/tones_5s_16000.flac",
                                                                   "long/tones_2s_8000.mp3"])
    func aLimitLeavesTheRestOfTheFileUnread(file: String) throws {
        let url = AudioFixtures.url(file)
        let size = try AudioFixtures.bytes(file).count
        let reader = try AudioReader(contentsOf: url, sampleRate: 16000, maxSeconds: 0.25)
        let audio = try reader.readToEnd()
        #expect(audio.samples.count == 4000 && audio.stoppedAtLimit)
        #expect(reader.bytesRead < UInt64(size / 2), "\(file): read \(reader.bytesRead) of \(size) bytes")
        let whole = try AudioReader(contentsOf: url, sampleRate: 16000)
        _ = try whole.readToEnd()
        #expect(whole.bytesRead >= UInt64(size) * 9 / 10, "\(file): a whole decode reads \(whole.bytesRead) of \(size) bytes")
    }

    @Test func aLongFileIsReadAsItIsDeliveredInBoundedMemory() throws {
        let fileRate = 44100, rate = 48000, seconds = 10
        let wav = TestWAV.pcm16(TestWAV.stereoSignal(frames: seconds * fileRate, sampleRate: fileRate), sampleRate: fileRate)
        let headerBytes = 44, frameBytes = 4
        #expect(seconds * fileRate >= 16 * AudioReader.chunkFrames, "the file spans many of the reader's chunks")
        let reader = try AudioReader(bytes: wav, sampleRate: rate)
        var blocks = 0
        var mostHeld = 0
        var mostFramesAhead = 0
        while try reader.nextBlock(samples: rate / 10) != nil {
            blocks += 1
            mostHeld = max(mostHeld, reader.bufferedSamples)
            let framesRead = (Int(reader.bytesRead) - headerBytes) / frameBytes
            let framesReturned = AudioReader.outputLength(frames: reader.samplesDelivered, from: rate, to: fileRate)
            mostFramesAhead = max(mostFramesAhead, framesRead - framesReturned)
        }
        #expect(blocks == seconds * 10 && reader.samplesDelivered == seconds * rate)
        // The reader reads, mixes down and resamples one chunk of source frames at a time: it
        // holds a few chunks of samples and has read at most two chunks past what it returned,
        // not the 480 000 samples and 1.7 MB of the whole file.
        #expect(mostHeld <= 4 * AudioReader.chunkFrames, "held \(mostHeld) samples at once")
        #expect(mostFramesAhead <= 2 * AudioReader.chunkFrames, "read \(mostFramesAhead) frames ahead")
        #expect(reader.bytesRead >= UInt64(wav.count), "the whole file is read once every sample is returned")
    }

    @Test func aMinuteOfSilenceIsCutAtTheLimitWithoutDecodingTheRest() throws {
        let url = AudioFixtures.url("long/silence_60s_8000.flac")
        let audio = try AudioDecoder.decode(contentsOf: url, sampleRate: 16000, limits: AudioLimits(maxSeconds: 10))
        #expect(audio.samples.count == 160_000)
        #expect(audio.samples.allSatisfy { $0 == 0 })
        #expect(audio.stoppedAtLimit)
        #expect(audio.source?.declaredDuration == 60)
    }

    @Test func startingPastTheEndGivesNoSamples() throws {
        for file in ["long/tones_2s_8000.wav", "long/tones_2s_8000.ogg", "long/tones_2s_8000.mp3"] {
            let audio = try AudioDecoder.decode(contentsOf: AudioFixtures.url(file), sampleRate: 16000, startingAt: 3)
            #expect(audio.samples.isEmpty, "\(file)")
            #expect(!audio.stoppedAtLimit)
        }
    }

    @Test func readToEndAfterSomeBlocksReturnsTheRest() throws {
        let url = AudioFixtures.url("long/tones_5s_16000.flac")
        let whole = try AudioDecoder.decode(contentsOf: url, sampleRate: 16000).samples
        let reader = try AudioReader(contentsOf: url, sampleRate: 16000)
        let first = try #require(try reader.nextBlock(samples: 5000))
        let rest = try reader.readToEnd()
        #expect(rest.startTime == 5000.0 / 16000)
        #expect(first.samples + rest.samples == whole)
    }
}
