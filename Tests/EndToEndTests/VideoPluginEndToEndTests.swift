import Foundation
import MMSearchKit
import MMTestSupport
import Testing

/// The example video plugin as a user meets it: built from its own Makefile, loaded from a
/// folder by the real command line, over videos generated with the ffmpeg command line from
/// Media/ photos.
@Suite(.serialized)
struct VideoPluginEndToEndTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")
    static let pluginSource = TestPaths.repository.appendingPathComponent("Plugins/Examples/VideoFrames")

    /// Runs a program to the end; its standard error when it fails.
    static func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw SetupError("\(program) cannot be run (\(error)): run Scripts/setup.sh")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SetupError("\(program) \(arguments.joined(separator: " ")) failed: "
                             + String(decoding: message, as: UTF8.self))
        }
    }

    /// A still photo as a video of `seconds` at 5 frames per second, 320x240.
    static func stills(_ photos: [String], seconds: Int = 3, codec: [String], to output: URL) throws {
        var arguments = ["-nostdin", "-v", "error", "-y"]
        for photo in photos {
            arguments += ["-loop", "1", "-t", String(seconds), "-i", media.appendingPathComponent(photo).path]
        }
        let scaled = photos.indices.map { "[\($0):v]scale=320:240,setsar=1[v\($0)]" }.joined(separator: ";")
        let joined = photos.indices.map { "[v\($0)]" }.joined() + "concat=n=\(photos.count):v=1[out]"
        arguments += ["-filter_complex", scaled + ";" + joined, "-map", "[out]", "-r", "5"] + codec + [output.path]
        try run("ffmpeg", arguments)
    }

    struct Setup {
        let plugins: ScratchDirectory
        let videos: ScratchDirectory
        let index: ScratchDirectory
        let environment: [String: String]
        var pluginFolder: URL { plugins.url }
        var library: URL { plugins.path("libmms_video_frames.so") }
    }

    /// Builds the plugin with `make`, generates the videos and the bad files. Done once.
    static let setup: Result<Setup, Error> = Result {
        let plugins = try ScratchDirectory("video-plugin")
        try run("make", ["-s", "-C", pluginSource.path, "OUT=" + plugins.url.path])
        let videos = try ScratchDirectory("videos")
        try stills(["dog-samoyeds.jpg", "car-convertible.jpg"], codec: ["-c:v", "mpeg4", "-q:v", "5"],
                   to: videos.path("dog-then-car.mp4"))
        try stills(["mountains.jpg"], codec: ["-c:v", "mpeg4", "-q:v", "5"], to: videos.path("mountains.mkv"))
        try stills(["boats-on-lake.jpg"], codec: ["-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8"],
                   to: videos.path("boats.webm"))
        // Bad files: zero bytes, cut in half (an MP4's index is at its end), a text file and a
        // photo named like videos, a Matroska file cut short.
        try Data().write(to: videos.path("empty.mp4"))
        let good = try Data(contentsOf: videos.path("dog-then-car.mp4"))
        try good.prefix(good.count / 2).write(to: videos.path("truncated.mp4"))
        try Data("this is a text file, not a video\n".utf8).write(to: videos.path("notes.mp4"))
        try FileManager.default.copyItem(at: media.appendingPathComponent("motorcycle.png"), to: videos.path("photo.webm"))
        try stills(["flamingo.jpg"], seconds: 4, codec: ["-c:v", "ffv1"], to: videos.path("whole.mkv"))
        let whole = try Data(contentsOf: videos.path("whole.mkv"))
        try whole.prefix(whole.count / 4).write(to: videos.path("cut.mkv"))
        try FileManager.default.removeItem(at: videos.path("whole.mkv"))
        // Only the plugin folder given on the command line: no user plugins from the machine.
        let home = try ScratchDirectory("video-home")
        return Setup(plugins: plugins, videos: videos, index: try ScratchDirectory("video-index"),
                     environment: ["MMSEARCH_PLUGIN_PATH": "", "XDG_DATA_HOME": home.url.path])
    }

    static let badFiles = [
        "empty.mp4": "not a readable video",
        "truncated.mp4": "not a readable video",
        "notes.mp4": "not a readable video",
        "photo.webm": "a still image",
        "cut.mkv": "truncated",
    ]

    /// `mmsearch index` over the videos, once for the suite.
    static let indexed: Result<CommandLineTool.Output, Error> = Result {
        let s = try setup.get()
        return try CommandLineTool.run(["index", s.videos.url.path, "--plugin-dir", s.pluginFolder.path,
                                        "--index", s.index.url.path], environment: s.environment)
    }

    @Test func theExamplePluginBuiltFromItsMakefileIsListedByMmsearchPlugins() throws {
        let s = try Self.setup.get()
        let run = try CommandLineTool.run(["plugins", "--plugin-dir", s.pluginFolder.path], environment: s.environment)
        #expect(run.status == 0, "\(run.stderr)")
        let row = run.stdout.split(separator: "\n").first { $0.hasPrefix("video-frames ") }
        #expect(row?.contains("video") == true && row?.contains("mkv,mp4,webm") == true
                && row?.hasSuffix(s.library.path) == true, "\(run.stdout)")
        let json = try CommandLineTool.run(["plugins", "--json", "--plugin-dir", s.pluginFolder.path],
                                           environment: s.environment)
        let document = try JSONDecoder().decode(PluginsDocument.self, from: Data(json.stdout.utf8))
        let video = try #require(document.encoders.first { $0.name == "video-frames" })
        #expect(video.modality == "video" && video.origin == s.library.path && video.dimension == 384)
        #expect(video.settings == "interval=1;max_frames=32")
        #expect(document.failed.isEmpty)
    }

    @Test func videosAreIndexedAndBadVideoFilesAreReportedOnceAndSkipped() throws {
        let run = try Self.indexed.get()
        #expect(run.status == 1, "some files failed: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        for (name, reason) in Self.badFiles {
            let reports = lines.filter { $0.contains(name) }
            #expect(reports.count == 1, "\(name) reported once: \(reports)")
            #expect(reports.first?.contains(reason) == true, "\(name): \(reports.first ?? "not reported") should say \(reason)")
        }
        #expect(lines.contains { $0.hasPrefix("indexed 3, unchanged 0, failed \(Self.badFiles.count)") }, "\(run.stderr)")
        #expect(!run.stderr.contains("Fatal error"))
    }

    @Test func aDogQueryFindsTheDogVideoFirstWithTheBestFrameInItsDogPart() throws {
        let s = try Self.setup.get()
        _ = try Self.indexed.get()
        let run = try CommandLineTool.run(["query", "a dog", "--json", "--plugin-dir", s.pluginFolder.path,
                                           "--index", s.index.url.path], environment: s.environment)
        #expect(run.status == 0, "\(run.stderr)")
        let document = try JSONDecoder().decode(QueryResultsDocument.self, from: Data(run.stdout.utf8))
        let names = document.results.map { ($0.path as NSString).lastPathComponent }
        #expect(names.first == "dog-then-car.mp4" && names.count == 3, "ahead of the unrelated videos: \(names)")
        let first = try #require(document.results.first)
        #expect(first.modality == "video")
        let segment = try #require(first.segment, "video hits carry their best segment")
        #expect(segment.start < 3.0, "the best frame for 'a dog' is in the dog part (0-3 s), not at \(segment.start) s")
        #expect(segment.score >= first.score - 1e-4, "one frame matches at least as well as the pooled video")
        print("'a dog': \(names), best frame at \(segment.start) s (\(segment.score)) of \(first.path)")

        let car = try CommandLineTool.run(["query", "a red sports car", "--plugin-dir", s.pluginFolder.path,
                                           "--index", s.index.url.path], environment: s.environment)
        let line = try #require(car.stdout.split(separator: "\n").first.map(String.init), "\(car.stderr)")
        let at = try #require(line.range(of: " @ "), "plain output shows the best frame: \(line)")
        // "@ START s–END s": the best frame's span.
        let span = line[at.upperBound...].split(separator: "–").map { $0.dropLast() }
        let seconds = try #require(span.first.flatMap { Double($0) }, "\(line)")
        #expect(span.count == 2 && Double(span[1]).map { $0 > seconds } == true, "\(line)")
        #expect(line.contains("dog-then-car.mp4") && seconds >= 3.0, "the car part starts at 3 s: \(line)")
    }

    @Test func aVideoAsTheQueryFindsItselfFirst() throws {
        let s = try Self.setup.get()
        _ = try Self.indexed.get()
        let run = try CommandLineTool.run(["query", s.videos.path("boats.webm").path, "-f", "--plugin-dir",
                                           s.pluginFolder.path, "--index", s.index.url.path], environment: s.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").first.map(String.init) == s.videos.path("boats.webm").path)
    }

    @Test func aBadPluginSettingIsListedWithItsReasonAndPhotosStillIndex() throws {
        let s = try Self.setup.get()
        let photos = try ScratchDirectory("video-photos")
        try FileManager.default.copyItem(at: Self.media.appendingPathComponent("dog-samoyeds.jpg"), to: photos.path("dog.jpg"))
        var environment = s.environment
        environment["MMS_VIDEO_INTERVAL"] = "often"
        let plugins = try CommandLineTool.run(["plugins", "--plugin-dir", s.pluginFolder.path], environment: environment)
        #expect(plugins.status == 0)
        #expect(plugins.stdout.contains("\(s.library.path): mms_plugin_entry refused to load: MMS_VIDEO_INTERVAL=often is not a number"),
                "\(plugins.stdout)")
        let index = try ScratchDirectory("video-photos-index")
        let run = try CommandLineTool.run(["index", photos.url.path, "--plugin-dir", s.pluginFolder.path,
                                           "--index", index.url.path], environment: environment)
        #expect(run.status == 0, "a plugin that did not load never stops the run: \(run.stderr)")
        #expect(run.stderr.contains("warning: plugin \(s.library.path) not loaded"))
        #expect(run.stderr.contains("indexed 1, unchanged 0, failed 0"))
    }
}
