import Foundation
import MMTestSupport
import Testing

/// Bad files through the real command line: each is reported once with its path and reason,
/// the run finishes, every good file is indexed, and the exit status is the documented 1.
@Suite(.serialized)
struct BadInputCommandLineTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")

    /// CRC-32 as PNG uses it (ISO 3309).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }

    /// A folder with three good photos and the five bad files of issue 2's acceptance.
    static func makeFolder() throws -> (ScratchDirectory, good: [String], bad: [String: String]) {
        let dir = try ScratchDirectory("bad-input")
        let good = ["dog-samoyeds.jpg", "cat-chelsea.png", "car-convertible.jpg"]
        for name in good {
            try FileManager.default.copyItem(at: media.appendingPathComponent(name), to: dir.path(name))
        }
        let jpeg = try [UInt8](Data(contentsOf: media.appendingPathComponent("mountains.jpg")))
        let png = try [UInt8](Data(contentsOf: media.appendingPathComponent("motorcycle.png")))
        try Data().write(to: dir.path("empty.jpg"))
        try Data(jpeg[0..<(jpeg.count / 2)]).write(to: dir.path("truncated.jpg"))
        var corrupt = png
        corrupt[29] ^= 0xFF  // inside IHDR's CRC (8-byte signature, 4 length, 4 type, 13 data)
        try Data(corrupt).write(to: dir.path("bad-crc.png"))
        try Data("this is a text file, not an image\n".utf8).write(to: dir.path("notes.png"))
        // A PNG whose IHDR (with a valid CRC) claims 30000 x 30000 pixels.
        let ihdr: [UInt8] = Array("IHDR".utf8) + bigEndian(30000) + bigEndian(30000) + [8, 2, 0, 0, 0]
        let huge: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bigEndian(13) + ihdr + bigEndian(crc32(ihdr))
            + bigEndian(0) + Array("IEND".utf8) + bigEndian(crc32(Array("IEND".utf8)))
        try Data(huge).write(to: dir.path("huge.png"))
        let bad = [
            "empty.jpg": "empty",
            "truncated.jpg": "truncated",
            "bad-crc.png": "CRC",
            "notes.png": "not a PNG or JPEG",
            "huge.png": "30000x30000",
        ]
        return (dir, good, bad)
    }

    @Test func eachBadFileIsReportedWithPathAndReasonAndGoodFilesAreIndexed() throws {
        let (dir, good, bad) = try Self.makeFolder()
        let index = try ScratchDirectory("bad-input-index")
        let run = try CommandLineTool.run(["index", dir.url.path, "--index", index.url.path])
        #expect(run.status == 1, "documented exit status for 'finished, some files failed'")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        for (name, reason) in bad {
            let reports = lines.filter { $0.contains(name) }
            #expect(reports.count == 1, "\(name) reported once: \(reports)")
            #expect(reports.first?.localizedCaseInsensitiveContains(reason) == true,
                    "\(name): \(reports.first ?? "not reported") should say \(reason)")
        }
        #expect(lines.contains { $0.hasPrefix("indexed \(good.count), unchanged 0, failed \(bad.count)") },
                "summary line in: \(run.stderr)")

        // Every good file is searchable.
        let query = try CommandLineTool.run(["query", "a dog", "-f", "-t", "10", "--index", index.url.path])
        #expect(query.status == 0, "\(query.stderr)")
        let found = Set(query.stdout.split(separator: "\n").map { ($0 as NSString).lastPathComponent })
        #expect(found == Set(good))

        // A second run keeps what was indexed, embeds nothing new and reports the failures again.
        let again = try CommandLineTool.run(["index", dir.url.path, "--index", index.url.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("indexed 0, unchanged \(good.count), failed \(bad.count)"), "\(again.stderr)")
    }

    @Test func helpDocumentsTheExitStatus() throws {
        let help = try CommandLineTool.run(["--help"])
        #expect(help.status == 0)
        for line in ["EXIT STATUS", "0    success", "1    finished, but some files", "2    usage error", "3    fatal"] {
            #expect(help.stdout.contains(line), "--help lacks \(line)")
        }
    }

    @Test func everyCommandsHelpIsWrappedProse() throws {
        // A paragraph written with `\\` at line ends (an escaped backslash, not a continuation)
        // showed the backslashes and broke every line in two.
        for command in ["index", "query", "label", "describe", "dupes", "eval", "embed", "plugins", "stats",
                        "compact", "check", "repair", "models"] {
            let help = try CommandLineTool.run([command, "--help"])
            #expect(help.status == 0, "\(command): \(help.stderr)")
            #expect(help.stdout.contains("USAGE: mmsearch \(command)"), "\(command)")
            #expect(!help.stdout.contains("\\\n"), "\(command) --help shows line-continuation backslashes")
        }
    }

    @Test func aQueryWithoutAnIndexIsAFatalErrorWithAClearMessage() throws {
        let nowhere = try ScratchDirectory("no-index")
        let run = try CommandLineTool.run(["query", "a dog", "--index", nowhere.path("missing").path])
        #expect(run.status == 3)
        #expect(run.stderr.contains("missing"), "\(run.stderr)")
        #expect(!run.stderr.contains("Fatal error"), "no crash: \(run.stderr)")
    }
}
