import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch check`
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the index: catalog, vector files, checksums, int8 copy, tags and keyword index.",
        discussion: """
            Reads the whole index and compares what each part says: the catalog (SQLite's \
            own check, the files' rows, the dead-row ranges), each vector file (its name, its \
            header and header checksum, the checksums of its rows, every indexed row a finite \
            unit vector), the int8 copy the fast search reads, the tag file, the parts of \
            files and the keyword index. Changes nothing and needs no models; an index run in \
            progress is an error (check after it).

            Prints one line per problem on stdout, "KIND: what was found (repair: what \
            `mmsearch repair` does about it)", notes that need no repair and a summary on \
            stderr. KIND is catalog, vector-file-name, vector-file, rows, checksum, \
            bad-vector, missing-checksums, int8-copy, approximate-index, tags, dead-rows, parts or \
            keyword-index. --json prints one object instead: {"index": DIR, "sound": BOOL, \
            "problems": [{"kind", "space", "message", "repair", "files"}, …], "notes": […], \
            "checked": {"spaces", "files", "rows", "checksummed_rows"}}.

            EXIT STATUS
              0  the index is sound
              1  problems were found: run `mmsearch repair`
              3  the index cannot be checked (missing, being written by `mmsearch index`,
                 from a newer mmsearch, or needing `mmsearch index` once to upgrade it)

            EXAMPLES
              mmsearch check
              mmsearch check --index /tmp/my-index --json | jq -r '.problems[].message'
              mmsearch check || mmsearch repair
            """)

    @OptionGroup var index: IndexLocationOptions

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func run() throws {
        let report = try index.index(Locations.current()).check()
        if json {
            print(try JSONOutput.encode(CheckDocument(report)))
        } else {
            IntegrityLines.print(report)
        }
        if !report.isSound { throw ExitCode(ExitStatus.someFailed) }
    }
}

/// How `check` and `repair` show a check's findings.
enum IntegrityLines {
    /// One line per problem on stdout; notes and a summary on stderr.
    static func print(_ report: IntegrityReport) {
        for problem in report.problems { Swift.print(line(problem)) }
        for note in report.notes { Console.error("note: " + note) }
        let checked = "\(report.spaces) space\(report.spaces == 1 ? "" : "s"), \(report.files) files, "
            + "\(report.rows) rows" + (report.checksummedRows > 0 ? ", \(report.checksummedRows) verified by checksums" : "")
        let count = report.problems.count
        Console.error(report.isSound
            ? "index \(report.location) is sound (\(checked))"
            : "\(count) problem\(count == 1 ? "" : "s") in index \(report.location) (\(checked)): run `mmsearch repair`")
    }

    /// `KIND: message (repair: …)`.
    static func line(_ problem: IntegrityProblem) -> String {
        "\(problem.kind.rawValue): \(problem.message) (repair: \(remedy(problem)))"
    }

    static func remedy(_ problem: IntegrityProblem) -> String {
        switch problem.remedy {
        case .rebuild:
            "fixes it"
        case .reembed:
            "drops the rows; `mmsearch index` embeds \(problem.files.count == 1 ? "the file" : "\(problem.files.count) files") again"
        case .newCatalog:
            "starts a new catalog; `mmsearch index` embeds every file again"
        case .none:
            "none: re-index into a new --index"
        }
    }
}
