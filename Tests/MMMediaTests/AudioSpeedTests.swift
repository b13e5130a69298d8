import Foundation
import Testing
@testable import MMMedia

/// Decode + resample speed of a 60 s 44.1 kHz stereo file, printed (not asserted: the machine
/// decides). Runs when MMSEARCH_AUDIO_BENCH=1, best in a release build:
///
///     MMSEARCH_AUDIO_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter AudioSpeedTests
///
/// With ffmpeg on PATH the same minute is also timed as FLAC, Ogg Vorbis, Opus and MP3.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MMSEARCH_AUDIO_BENCH"] == "1"))
struct AudioSpeedTests {
    @Test func decodeAndResampleAMinuteOfCDAudio() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mmsearch-audio-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let wav = folder.appendingPathComponent("minute.wav")
        try Data(TestWAV.pcm16(TestWAV.stereoSignal(frames: 60 * 44100, sampleRate: 44100), sampleRate: 44100)).write(to: wav)
        var files = [wav]
        for (name, codec) in [("minute.flac", ["-c:a", "flac"]), ("minute.ogg", ["-c:a", "libvorbis"]),
                              ("minute.opus", ["-c:a", "libopus"]), ("minute.mp3", ["-c:a", "libmp3lame", "-b:a", "192k"])] {
            let target = folder.appendingPathComponent(name)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", wav.path] + codec + [target.path]
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil {
                process.waitUntilExit()
                if process.terminationStatus == 0 { files.append(target) }
            }
        }
        for file in files {
            for rate in [16000, 48000, 44100] {
                for quality in rate == 44100 ? [ResampleQuality.medium] : ResampleQuality.allCases {
                    let clock = ContinuousClock()
                    var samples = 0
                    let elapsed = try clock.measure {
                        samples = try AudioDecoder.decode(contentsOf: file, sampleRate: rate, quality: quality).samples.count
                    }
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                    let label = rate == 44100 ? "no resampling" : "\(quality)"
                    print(String(format: "audio bench: %@ -> %d Hz (%@): %.3f s, %.0fx real time, %d samples",
                                 file.lastPathComponent, rate, label, seconds, 60 / seconds, samples))
                }
            }
        }
    }
}
