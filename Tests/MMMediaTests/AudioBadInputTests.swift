import Foundation
import Testing
@testable import MMMedia

/// Every bad audio file gives a `MediaError` naming the file and the reason, without reading
/// or allocating what a lying header claims; none crashes.
@Suite struct AudioBadInputTests {
    static let supported = "WAV, FLAC, Ogg Vorbis, Ogg Opus and MP3"

    /// The messages users see, pinned ("…" ends a message whose tail depends on the decoder).
    static let expectedReasons: [String: String] = [
        "empty": "empty file (0 bytes)",
        "text_named_wav": "not a WAV, FLAC, Ogg or MP3 file (starts with 54 68 69 73 20 69 73 20 (\"This is \"))",
        "truncated_wav": "truncated WAV: the header declares 2.00 s of audio but the file holds 1.20 s",
        "ten_hour_header_wav": "truncated WAV: the header declares 10 h 00 min of audio but the file holds 0.50 s",
        "ten_hour_header_flac": "truncated FLAC: the header declares 10 h 00 min of audio but the data ends after 0.50 s",
        "truncated_flac": "truncated FLAC: the header declares 5.00 s of audio but the data ends after …",
        "truncated_mp3": "truncated MP3: the header declares 2.00 s of audio but the data ends after …",
        "truncated_ogg": "truncated Ogg Vorbis: the file ends inside an Ogg page",
        "truncated_opus": "truncated Ogg Opus: the file ends inside an Ogg page",
        "truncated_ogg_header": "truncated Ogg (the file ends inside its first page)",
        "ogg_without_end_page": "truncated Ogg Vorbis: the last Ogg page does not end the stream",
        "wav_ac3_codec": "unsupported WAV codec (format tag 0x2000)",
        "wav_1hz": "unsupported sample rate: 1 Hz cannot be resampled to 16000 Hz (libsamplerate converts by factors up to 256)",
        "aiff": "unsupported audio format: AIFF (decodable: \(supported))",
        "m4a": "unsupported audio format: MP4/M4A (AAC or ALAC) (decodable: \(supported))",
        "float_nan": "corrupt WAV: the sample at 0.00 s is not a finite number",
        "wav_zero_channels": "corrupt WAV: channel count is zero",
    ]

    static let kinds: [String: MediaError.Kind] = [
        "empty": .emptyFile, "not_audio": .notAudio, "truncated": .truncated, "unsupported": .unsupported,
        "corrupt": .corrupt,
    ]

    @Test("bad file is reported with its path and reason", arguments: AudioFixtures.badCases)
    func badFileIsReportedWithPathAndReason(_ fixture: AudioFixtures.BadCase) throws {
        let error = try #require(throws: MediaError.self) {
            try AudioDecoder.decode(contentsOf: AudioFixtures.relativeURL(fixture.file), sampleRate: 16000)
        }
        #expect(error.kind == Self.kinds[fixture.kind], "\(error)")
        #expect(error.path == fixture.file)
        let reason = try #require(Self.expectedReasons[fixture.name], "no expected reason for \(fixture.name): \(error)")
        if reason.hasSuffix("…") {
            #expect(error.description.hasPrefix("\(fixture.file): \(reason.dropLast())"), "\(error)")
        } else {
            #expect(error.description == "\(fixture.file): \(reason)")
        }
    }

    @Test func aTenHourHeaderIsRefusedFromTheHeaderAlone() throws {
        // 1 152 000 000 bytes declared: the refusal must come before any of it is read.
        let reader = try? AudioReader(contentsOf: AudioFixtures.url("bad/ten_hour_header.wav"), sampleRate: 16000)
        #expect(reader == nil)
        // A FLAC's declared length is only known wrong at the end of its data; up to a limit
        // nothing is wrong, and nothing of the claimed length is allocated.
        let audio = try AudioDecoder.decode(contentsOf: AudioFixtures.url("bad/ten_hour_header.flac"), sampleRate: 8000,
                                            maxSeconds: 0.25)
        #expect(audio.samples.count == 2000 && audio.stoppedAtLimit)
        #expect(audio.source?.declaredDuration == 36000)
    }

    @Test func everyPrefixOfAValidFileFailsCleanlyOrDecodes() throws {
        for (file, step) in [("wav/u8_mono_8000.wav", 1), ("mp3/mono_22050.mp3", 7), ("ogg/opus_stereo_48000.opus", 5),
                             ("ogg/vorbis_stereo_44100.ogg", 13), ("flac/s16_stereo_44100.flac", 97)] {
            let bytes = try AudioFixtures.bytes(file)
            for length in stride(from: 0, to: bytes.count, by: step) {
                do {
                    let audio = try AudioDecoder.decode(bytes: Array(bytes[..<length]), name: file, sampleRate: 16000)
                    #expect(audio.samples.allSatisfy { (-1...1).contains($0) })
                } catch let error as MediaError {
                    #expect(error.path == file)
                    #expect(!error.reason.isEmpty)
                }
            }
        }
    }

    @Test func flippedBytesNeverCrashTheDecoders() throws {
        for file in ["wav/s16_6ch_22050.wav", "flac/s24_mono_48000.flac", "ogg/vorbis_stereo_44100.ogg",
                     "ogg/opus_stereo_48000.opus", "mp3/stereo_44100.mp3"] {
            let original = try AudioFixtures.bytes(file)
            for position in stride(from: 0, to: original.count, by: max(1, original.count / 150)) {
                var bytes = original
                bytes[position] ^= 0xA5
                do {
                    let audio = try AudioDecoder.decode(bytes: bytes, name: file, sampleRate: 16000,
                                                        limits: AudioLimits(maxSeconds: 5))
                    #expect(audio.samples.count <= 5 * 16000 + 1)
                } catch let error as MediaError {
                    #expect(error.path == file)
                }
            }
        }
    }

    @Test func fileSizeLimitRefusesBigFilesBeforeOpeningThem() throws {
        let error = try #require(throws: MediaError.self) {
            try AudioDecoder.decode(contentsOf: AudioFixtures.url("wav/s16_stereo_44100.wav"), sampleRate: 16000,
                                    limits: AudioLimits(maxFileBytes: 2_000))
        }
        #expect(error.kind == .fileTooLarge)
        #expect(error.reason == "file is 35 KB, above the limit of 2 KB")
        #expect(throws: MediaError.self) {
            try AudioDecoder.decode(bytes: [UInt8](repeating: 0xFF, count: 10), sampleRate: 16000,
                                    limits: AudioLimits(maxFileBytes: 9))
        }
    }

    @Test func missingFileAndDirectoryAreUnreadable() throws {
        let missing = try #require(throws: MediaError.self) {
            try AudioDecoder.decode(contentsOf: URL(fileURLWithPath: "no/such/file.wav"), sampleRate: 16000)
        }
        #expect(missing.description == "no/such/file.wav: cannot open (No such file or directory)")
        let directory = try #require(throws: MediaError.self) {
            try AudioDecoder.decode(contentsOf: AudioFixtures.root, sampleRate: 16000)
        }
        #expect(directory.kind == .unreadable)
        #expect(directory.reason == "is a directory, not a file")
    }

    @Test func binaryGarbageIsNotAudio() throws {
        let error = try #require(throws: MediaError.self) {
            try AudioDecoder.decode(bytes: [0x00, 0x01, 0xFF, 0xD8], name: "x.mp3", sampleRate: 16000)
        }
        #expect(error.description == "x.mp3: not a WAV, FLAC, Ogg or MP3 file (starts with 00 01 FF D8)")
    }

    @Test func anErrorIsThrownAgainByLaterReads() throws {
        let reader = try AudioReader(contentsOf: AudioFixtures.url("bad/truncated.flac"), sampleRate: 16000)
        let first = try #require(throws: MediaError.self) { _ = try reader.readToEnd() }
        let second = try #require(throws: MediaError.self) { _ = try reader.nextBlock(samples: 100) }
        #expect(first == second && first.kind == .truncated)
    }

    @Test func theMP3DecodersOwnLinesAreFoldedInAndNoOneElsesAre() throws {
        let url = AudioFixtures.url("bad/truncated.mp3")
        let alone = try #require(throws: MediaError.self) { try AudioDecoder.decode(contentsOf: url, sampleRate: 16000) }
        #expect(alone.reason.hasSuffix("(the decoder said: Xing stream size off by more than 1%, fuzzy seeking may be even more fuzzy than by design!)"),
                "\(alone)")
        // Other threads keep writing to stderr while MP3s are decoded, a line in two writes (as
        // a test runner's progress lines may come): their text is passed on to stderr, never
        // taken for the decoder's, and the decoder's own line is still found after it.
        let halves = ["a line another thread wrote ", "to stderr (AudioBadInputTests)\n"]
        let writer = Thread {
            for _ in 0..<25 {
                for half in halves {
                    _ = half.withCString { write(STDERR_FILENO, $0, strlen($0)) }
                    usleep(1_000)
                }
            }
        }
        writer.start()
        for _ in 0..<40 {
            let error = try #require(throws: MediaError.self) { try AudioDecoder.decode(contentsOf: url, sampleRate: 16000) }
            #expect(error == alone, "\(error)")
        }
        let decoded = try AudioDecoder.decode(contentsOf: AudioFixtures.url("mp3/mono_22050.mp3"), sampleRate: 16000)
        #expect(!decoded.samples.isEmpty)
    }
}
