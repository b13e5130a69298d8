import Foundation
import MMTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 9's promises through the real command line: every entry a scan meets is indexed or
/// named with its reason (and recorded for `stats --failures`); a damaged MP3 is one line;
/// paths with any bytes survive `-0`; images that a resize would inflate are refused within the
/// memory budget.
@Suite(.serialized)
struct HostileInputTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")

    /// Writes `data` at a path given as raw bytes (which need not be UTF-8).
    static func write(_ data: Data, atBytes path: [UInt8]) throws {
        let fd = (path + [0]).withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_TRUNC, 0o644) }
        }
        guard fd >= 0 else { throw SetupError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// Folders nested below `root` until the path is longer than PATH_MAX, made one level at a
    /// time through descriptors (a path that long cannot be named to the system at once), with
    /// a photo at the bottom. Returns the depth.
    static func makeTooDeep(under root: URL, photo: Data) throws -> Int {
        var fd = open(root.path, O_RDONLY | O_DIRECTORY)
        var length = root.path.utf8.count
        var depth = 0
        let name = String(repeating: "d", count: 250)
        while length <= Int(PATH_MAX) + 100 {
            guard mkdirat(fd, name, 0o755) == 0 else { throw SetupError("mkdirat: \(String(cString: strerror(errno)))") }
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
            length += 1 + name.utf8.count
            depth += 1
        }
        let file = openat(fd, "deep.jpg", O_CREAT | O_WRONLY, 0o644)
        _ = photo.withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) }
        close(file)
        close(fd)
        return depth
    }

    /// Removes a folder tree whatever its depth (`rm` walks it through descriptors).
    static func remove(_ url: URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/rm")
        process.arguments = ["-rf", url.path]
        try? process.run()
        process.waitUntilExit()
    }

    @Test func everyEntryTheScanMeetsIsIndexedOrNamedAndRecorded() throws {
        let dir = try ScratchDirectory("hostile-scan")
        defer { Self.remove(dir.url) }
        let index = try ScratchDirectory("hostile-scan-index")
        let photo = try Data(contentsOf: Self.media.appendingPathComponent("dog-samoyeds.jpg"))
        try photo.write(to: dir.path("ok.jpg"))
        try photo.write(to: dir.path("new\nline.jpg"))
        #expect(mkfifo(dir.path("pipe.jpg").path, 0o644) == 0)
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = dir.path("sock.png").path
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in socketPath.utf8.enumerated() where i < raw.count - 1 { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        defer { close(sock) }
        try FileManager.default.createSymbolicLink(atPath: dir.path("dangling.jpg").path, withDestinationPath: dir.path("nowhere.jpg").path)
        try FileManager.default.createSymbolicLink(atPath: dir.path("gone-folder").path, withDestinationPath: dir.path("nowhere").path)
        try Self.write(photo, atBytes: Array(dir.url.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".jpg".utf8))
        _ = try Self.makeTooDeep(under: dir.url, photo: photo)

        let run = try CommandLineTool.run(["index", dir.url.path, "--index", index.url.path])
        #expect(run.status == 1, "some entries could not be indexed: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        let expected = [
            "pipe.jpg: not a regular file or folder (a FIFO)",
            "sock.png: not a regular file or folder (a socket)",
            "dangling.jpg: a dangling symbolic link",
            "gone-folder: a dangling symbolic link",
            "caf\\xe9.jpg: the file name is not valid UTF-8",
            ": the path is longer than the system allows",
        ]
        for reason in expected {
            #expect(lines.filter { $0.contains(reason) }.count == 1, "one line for \(reason) in:\n\(run.stderr)")
        }
        // The two photos are one content: the second reuses the first's vectors.
        #expect(lines.last?.hasPrefix("indexed 1,") == true && lines.last?.contains("failed 6, reused 1") == true, "\(lines.last ?? "")")
        // Each is recorded, as `stats --failures` lists them.
        let failures = try CommandLineTool.run(["stats", "--failures", "--index", index.url.path])
        for reason in expected {
            #expect(failures.stdout.contains(reason), "\(reason) in:\n\(failures.stdout)")
        }
        // Mended (the link has a target again), a failure leaves the record at the next run.
        try photo.write(to: dir.path("nowhere.jpg"))
        let again = try CommandLineTool.run(["index", dir.url.path, "--index", index.url.path])
        let after = try CommandLineTool.run(["stats", "--failures", "--index", index.url.path])
        #expect(!after.stdout.contains("dangling.jpg:"), "\(again.stderr)\n\(after.stdout)")
        // The others are still there (recorded again, not lost as gone).
        for reason in expected.filter({ !$0.hasPrefix("dangling.jpg") }) {
            #expect(after.stdout.contains(reason), "\(reason) in:\n\(after.stdout)")
        }

        // A newline in a name: plain output escapes it on one line, -0 keeps the bytes.
        let plain = try CommandLineTool.run(["query", "a dog", "-t", "10", "--index", index.url.path])
        #expect(plain.stdout.contains("new\\nline.jpg"), "\(plain.stdout)")
        let nul = try CommandLineTool.run(["query", "a dog", "-t", "10", "-0", "--index", index.url.path])
        let paths = nul.stdout.split(separator: "\u{0}").map(String.init)
        #expect(paths.contains(dir.path("new\nline.jpg").path) && nul.stdout.hasSuffix("\u{0}"), "\(paths)")
    }

    @Test func aDamagedMP3IsOneLineWithTheDecodersWordsFoldedIn() throws {
        let dir = try ScratchDirectory("hostile-mp3")
        let index = try ScratchDirectory("hostile-mp3-index")
        var bytes = [UInt8](try Data(contentsOf: TestPaths.fixture("speech/espeak/flight.mp3")))
        // Flip bytes in the frames (deterministically): libmpg123 then prints its complaints.
        var state: UInt64 = 3
        for _ in 0..<200 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let at = 2000 + Int((state >> 33) % UInt64(bytes.count - 2000))
            bytes[at] ^= 0xFF
        }
        try Data(bytes).write(to: dir.path("damaged.mp3"))
        try FileManager.default.copyItem(at: TestPaths.fixture("audio/bad/truncated.mp3"), to: dir.path("truncated.mp3"))
        let run = try CommandLineTool.run(["index", dir.url.path, "--index", index.url.path])
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains("damaged.mp3") }.count == 1, "\(run.stderr)")
        #expect(lines.contains { $0.contains("damaged.mp3: ") && $0.contains("(the decoder said: ") }, "\(run.stderr)")
        #expect(lines.filter { $0.contains("truncated.mp3") }.count == 1, "\(run.stderr)")
        #expect(!run.stderr.contains("[src/libmpg123"), "the decoder's raw lines are folded in:\n\(run.stderr)")
        #expect(lines.count == 3, "one line per file and the summary:\n\(run.stderr)")
        #expect(lines.contains { $0.contains("truncated.mp3: truncated MP3") && $0.contains("the decoder said:") }, "\(run.stderr)")
    }

    @Test func imagesAResizeWouldInflateAreRefusedWithinTheMemoryBudget() throws {
        // GNU time's maximum resident size of one `mmsearch index` run, in kB.
        func peak(_ folder: URL, _ index: URL) throws -> (kb: Int, stderr: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
            let report = try ScratchDirectory("time")
            process.arguments = ["-f", "%M", "-o", report.path("peak").path, try CommandLineTool.executable.path,
                                 "index", folder.path, "--index", index.path]
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // The last line (time notes a non-zero exit status on a line before it).
            let kb = try String(contentsOf: report.path("peak"), encoding: .utf8)
                .split(separator: "\n").last.flatMap { Int($0) } ?? -1
            return (kb, text)
        }
        let plain = try ScratchDirectory("hostile-plain")
        let strips = try ScratchDirectory("hostile-strips")
        for folder in [plain, strips] {
            try FileManager.default.copyItem(at: Self.media.appendingPathComponent("zebra.jpg"), to: folder.path("zebra.jpg"))
        }
        // Scripts/fixtures/make_hostile_images.py: 1 x 30 000 and 8 x 16 000 pixels.
        for name in ["strip-1x30000.png", "strip-8x16000.jpg"] {
            try FileManager.default.copyItem(at: TestPaths.fixture("media/hostile/" + name), to: strips.path(name))
        }
        let baseline = try peak(plain.url, try ScratchDirectory("hostile-plain-index").url)
        let hostile = try peak(strips.url, try ScratchDirectory("hostile-strips-index").url)
        #expect(baseline.kb > 0 && hostile.kb > 0)
        #expect(hostile.kb - baseline.kb < 200_000, "peak \(hostile.kb) kB against \(baseline.kb) kB for the photo alone")
        #expect(hostile.stderr.contains("strip-1x30000.png: 1 x 30000 pixels would become 256 x 7680000"), "\(hostile.stderr)")
        #expect(hostile.stderr.contains("strip-8x16000.jpg: 8 x 16000 pixels would become 256 x 512000"), "\(hostile.stderr)")
        print("peak resident memory: \(baseline.kb) kB (one photo), \(hostile.kb) kB (with the strips)")
    }
}
