import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch repair`
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Fix what `mmsearch check` finds: rebuild what can be derived, drop rows that cannot be trusted.",
        discussion: """
            Checks the index, then, holding it like an index run does: points the catalog \
            back at a space's vector file when it names a file outside the index; rewrites a \
            damaged vector-file header from the catalog (or the catalog's dimension from a \
            sound header); rebuilds from the stored vectors and the catalog the int8 copy, \
            the tag file, the dead-row ranges and row counts, the checksums, the keyword \
            index and the catalog's SQL indexes. Rows that cannot be trusted (failing their \
            checksum, NaN or not of unit length, lost) are dropped and their files marked \
            failed, so the next `mmsearch index` embeds only those again. A catalog that is \
            empty or not a catalog at all is set aside as catalog.sqlite.damaged and a new \
            one started: the next `mmsearch index` embeds every file again. Needs no models.

            Prints what it did, one line per action ("KIND: what was done") on stdout, the \
            files to index again on stderr, and what a check still finds afterwards. --json \
            prints one object: {"index": DIR, "sound": BOOL, "actions": [{"kind", \
            "message"}, …], "embed_again": [PATH, …], "new_catalog": BOOL, "found": CHECK, \
            "remaining": CHECK} with CHECK as `mmsearch check --json` prints it.

            EXIT STATUS
              0  the index is sound now (files to embed again: run `mmsearch index`)
              1  problems remain (listed as `mmsearch check` lists them)
              3  the index cannot be repaired here (missing, being written by another
                 mmsearch process, from a newer mmsearch)

            EXAMPLES
              mmsearch repair
              mmsearch repair --index /tmp/my-index && mmsearch index ~/Pictures --index /tmp/my-index
            """)

    @OptionGroup var index: IndexLocationOptions

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func run() throws {
        let locations = Locations.current()
        let report: RepairReport
        do {
            report = try index.index(locations).repair()
        } catch let error as MMSearchError where error.reason == .indexDamaged {
            // The usual advice, to run repair, would send the user round in a circle.
            throw MMSearchError(error.kind, error.message + "; `mmsearch repair` cannot fix this: re-index into a new --index")
        }
        if json {
            print(try JSONOutput.encode(RepairDocument(report)))
        } else {
            for action in report.actions { print("\(action.kind.rawValue): \(action.message)") }
            for path in report.embedAgain {
                Console.error("to embed again: " + FilePaths.display(path, from: locations.currentDirectory))
            }
            if report.remaining.isSound {
                let count = report.embedAgain.count
                Console.error(report.actions.isEmpty
                    ? "nothing to repair: index \(report.found.location) is sound"
                    : report.newCatalog
                        ? "index \(report.found.location) repaired: run `mmsearch index FOLDER` to embed every file again"
                        : count > 0
                            ? "index \(report.found.location) repaired: run `mmsearch index` on the folders of the "
                                + "\(count) file\(count == 1 ? "" : "s") to embed again"
                            : "index \(report.found.location) repaired")
            } else {
                Console.error("still wrong after repairing:")
                for problem in report.remaining.problems { Console.error(IntegrityLines.line(problem)) }
            }
        }
        if !report.isSound { throw ExitCode(ExitStatus.someFailed) }
    }
}
