import Foundation
import MMEmbeddedStore
import MMSearchKit
import MMTestSupport
import Testing

/// `mmsearch check` and `mmsearch repair` through the real command line, on an index written
/// through the library (no models needed) and then damaged: the documented exit statuses, one
/// line per problem and per action, and the advice other commands give for a damaged index.
@Suite(.serialized)
struct IntegrityCommandLineTests {
    static let space = SpaceID(name: "cli-integrity", dimension: 8, fingerprint: "c0ffee")

    /// An index of 20 files with one vector each (file i at row i).
    static func makeIndex() throws -> (ScratchDirectory, index: URL) {
        let dir = try ScratchDirectory("integrity-cli")
        let index = dir.path("index")
        let items = (0..<20).map { i -> (path: String, vector: [Float]) in
            let raw = (0..<8).map { j in Float(sin(Double(i * 7 + j * 3 + 1))) }
            let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return ("/e2e/file\(i).jpg", raw.map { $0 / norm })
        }
        do {
            let importer = try VectorImporter(index: .embedded(at: index), space: space)
            try importer.add(items, modality: .image)
        }
        return (dir, index)
    }

    /// The space's master vector file.
    static func vectorFile(_ index: URL) throws -> URL {
        let folder = index.appendingPathComponent("vectors")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix(".f32") })
        return folder.appendingPathComponent(name)
    }

    static func overwrite(_ url: URL, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    @Test func checkAndRepairReportProblemsAndActionsWithTheirExitStatus() throws {
        let (dir, index) = try Self.makeIndex()
        defer { withExtendedLifetime(dir) {} }
        let clean = try CommandLineTool.run(["check", "--index", index.path])
        #expect(clean.status == 0 && clean.stdout.isEmpty, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stderr.contains("is sound (1 space, 20 files, 20 rows, 20 verified by checksums)"), "\(clean.stderr)")

        // Row 3 becomes NaN.
        try Self.overwrite(try Self.vectorFile(index), at: 64 + 3 * 32,
                           with: [Float](repeating: .nan, count: 8).flatMap { withUnsafeBytes(of: $0, Array.init) })
        let damaged = try CommandLineTool.run(["check", "--index", index.path])
        #expect(damaged.status == 1, "\(damaged.stderr)")
        let lines = damaged.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "one line per problem: \(lines)")
        #expect(lines.contains { $0.hasPrefix("checksum: row 3 of vectors/") && $0.contains("(/e2e/file3.jpg)") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("bad-vector: row 3 of vectors/") && $0.contains("not finite") }, "\(lines)")
        #expect(lines.allSatisfy { $0.hasSuffix("(repair: drops the rows; `mmsearch index` embeds the file again)") })
        #expect(damaged.stderr.contains("2 problems in index \(index.path)") && damaged.stderr.contains("run `mmsearch repair`"))

        let json = try CommandLineTool.run(["check", "--index", index.path, "--json"])
        #expect(json.status == 1)
        let document = try JSONDecoder().decode(CheckDocument.self, from: Data(json.stdout.utf8))
        #expect(!document.sound && Set(document.problems.map(\.kind)) == [.checksum, .badVector])
        #expect(document.problems.allSatisfy { $0.files == ["/e2e/file3.jpg"] && $0.repair == .reembed })

        let repair = try CommandLineTool.run(["repair", "--index", index.path])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(repair.stdout.contains("checksum: dropped the rows of 1 file (/e2e/file3.jpg) and marked them failed"),
                "\(repair.stdout)")
        #expect(repair.stderr.contains("to embed again: /e2e/file3.jpg"), "\(repair.stderr)")

        let after = try CommandLineTool.run(["check", "--index", index.path])
        #expect(after.status == 0 && after.stdout.isEmpty, "\(after.stdout)")
        let stats = try CommandLineTool.run(["stats", "--index", index.path, "--failures"])
        #expect(stats.stdout.contains("/e2e/file3.jpg: its stored vector is not a finite unit vector"), "\(stats.stdout)")
        let again = try CommandLineTool.run(["repair", "--index", index.path])
        #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.contains("nothing to repair"), "\(again.stderr)")
    }

    @Test func aDamagedHeaderSendsOtherCommandsToRepair() throws {
        let (dir, index) = try Self.makeIndex()
        defer { withExtendedLifetime(dir) {} }
        try Self.overwrite(try Self.vectorFile(index), at: 0, with: Array("XXSVECS".utf8))
        let stats = try CommandLineTool.run(["stats", "--index", index.path])
        #expect(stats.status == 3)
        #expect(stats.stderr.contains("is damaged: not an mmsearch vector file (bad magic)"), "\(stats.stderr)")
        #expect(stats.stderr.contains("run `mmsearch repair`"), "\(stats.stderr)")
        #expect(!stats.stderr.contains("Fatal error"))

        let check = try CommandLineTool.run(["check", "--index", index.path])
        #expect(check.status == 1 && check.stdout.hasPrefix("vector-file: vector file vectors/"), "\(check.stdout)")
        let repair = try CommandLineTool.run(["repair", "--index", index.path])
        #expect(repair.status == 0 && repair.stdout.contains("vector-file: rewrote the header of vectors/"), "\(repair.stdout)")
        #expect(try CommandLineTool.run(["stats", "--index", index.path]).status == 0)
    }

    @Test func helpDocumentsCheckAndRepair() throws {
        let help = try CommandLineTool.run(["--help"])
        #expect(help.stdout.contains("mmsearch check") && help.stdout.contains("mmsearch repair"))
        for command in ["check", "repair"] {
            let own = try CommandLineTool.run([command, "--help"])
            #expect(own.status == 0)
            #expect(own.stdout.contains("EXIT STATUS") && own.stdout.contains("EXAMPLES"), "\(command)")
        }
        let empty = try ScratchDirectory("integrity-none")
        let missing = try CommandLineTool.run(["check", "--index", empty.path("none").path])
        #expect(missing.status == 3 && missing.stderr.contains("no index in"))
    }
}
