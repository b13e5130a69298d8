import Foundation
import Testing
@testable import MMMedia

/// Container details the decoder must get right beyond the plain fixtures.
@Suite struct AudioContainerTests {
    /// An ID3v2 tag (20 bytes of padding as its body) in front of a file's bytes.
    static func id3Tagged(_ bytes: [UInt8]) -> [UInt8] {
        Array("ID3".utf8) + [3, 0, 0, 0, 0, 0, 20] + [UInt8](repeating: 0, count: 20) + bytes
    }

    @Test func anID3TagInFrontIsSkippedWhateverFollows() throws {
        for (file, format) in [("flac/s16_stereo_44100.flac", AudioFormat.flac), ("wav/s16_stereo_44100.wav", .wav),
                               ("mp3/stereo_44100.mp3", .mp3)] {
            let plain = try AudioDecoder.decode(contentsOf: AudioFixtures.url(file), sampleRate: 16000)
            let tagged = try AudioDecoder.decode(bytes: Self.id3Tagged(try AudioFixtures.bytes(file)), sampleRate: 16000)
            #expect(tagged.source?.format == format, "\(file)")
            expectSamples(tagged.samples, plain.samples, tolerance: 0, file)
        }
    }

    @Test func aCompressedWAVWhoseFrameCountIsAnEstimateIsNotCalledTruncated() throws {
        // MP3 inside WAV: the header's count (from the byte rate) is not what the decoder gives.
        let audio = try AudioDecoder.decode(contentsOf: AudioFixtures.url("wav/mp3_codec.wav"), sampleRate: 16000)
        #expect(audio.source?.format == .wav)
        #expect(audio.samples.count > 3000)
    }

    @Test func aWAVWithAnUnknownLengthIsReadToTheEndOfTheFile() throws {
        // Streaming writers leave 0xFFFFFFFF as the data size.
        var bytes = try AudioFixtures.bytes("long/tones_2s_8000.wav")
        let data = try #require(AudioSniff.dataChunkSizeOffset(bytes))
        bytes.replaceSubrange(data..<data + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        let audio = try AudioDecoder.decode(bytes: bytes, sampleRate: 8000)
        let plain = try AudioDecoder.decode(contentsOf: AudioFixtures.url("long/tones_2s_8000.wav"), sampleRate: 8000)
        #expect(audio.samples == plain.samples)
    }

    @Test func wavHeaderGivesTheDataChunkAndItsDeclaredSize() throws {
        let bytes = try AudioFixtures.bytes("bad/ten_hour_header.wav")
        let header = try WAVHeader.read(AudioSource(bytes: bytes, name: "x", maxBytes: .max))
        #expect(header.formatTag == 1 && header.channels == 1 && header.sampleRate == 16000 && header.blockAlign == 2)
        #expect(header.dataOffset == 44)
        #expect(header.declaredDataBytes == 36000 * 16000 * 2)
        #expect(header.availableDataBytes(fileSize: bytes.count) == 16000)
    }

    @Test func oggTailTellsACompleteStreamFromACutOne() throws {
        func tail(_ bytes: [UInt8]) throws -> OggTail {
            try OggTail.of(AudioSource(bytes: bytes, name: "x", maxBytes: .max))
        }
        let ogg = try AudioFixtures.bytes("long/tones_2s_8000.ogg")
        #expect(try tail(ogg) == .complete)
        #expect(try tail(Array(ogg.dropLast(1))) == .cutInsidePage)
        #expect(try tail(try AudioFixtures.bytes("bad/no_end_page.ogg")) == .noEndOfStream)
        var damaged = ogg
        damaged[damaged.count - 3] ^= 0xFF  // the last page's checksum fails: the page before it is last
        #expect(try tail(damaged) == .noEndOfStream)
        #expect(try tail(Array(repeating: 0x55, count: 100)) == .noPage)
    }

    @Test func decodingFromManyThreadsAtOnceGivesTheSameSamples() async throws {
        let files = AudioFixtures.decodeCases.map(\.file) + AudioFixtures.badCases.map(\.file)
        func decode(_ file: String) -> String {
            do {
                let audio = try AudioDecoder.decode(contentsOf: AudioFixtures.relativeURL(file), sampleRate: 16000)
                return "\(audio.samples.count) \(audio.samples.reduce(0, +))"
            } catch {
                return "\(error)"
            }
        }
        let sequential = files.map(decode)
        let concurrent = await withTaskGroup(of: (Int, String).self) { group in
            for round in 0..<3 {
                for (index, file) in files.enumerated() {
                    group.addTask { (index + round * files.count, decode(file)) }
                }
            }
            var results = [String](repeating: "", count: files.count * 3)
            for await (index, result) in group { results[index] = result }
            return results
        }
        #expect(concurrent == sequential + sequential + sequential)
    }
}

extension AudioSniff {
    /// Where the 4-byte size of a simple WAV file's `data` chunk is (tests only).
    static func dataChunkSizeOffset(_ bytes: [UInt8]) -> Int? {
        let fields = ByteFields(bytes)
        var offset = 12
        while let size = fields.uint32(at: offset + 4) {
            if fields.matches("data", at: offset) { return offset + 4 }
            offset += 8 + size + (size & 1)
        }
        return nil
    }
}
