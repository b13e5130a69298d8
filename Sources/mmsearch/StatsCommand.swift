import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch stats`
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show what the index holds.",
        discussion: """
            Prints, per space, the number of indexed and failed files. --failures lists \\
            every file that could not be indexed as "path: reason", one per line (stdout), \\
            as the last index run recorded it. Needs no models.

            EXAMPLES
              mmsearch stats
              mmsearch stats --failures | less
            """)

    @OptionGroup var index: IndexLocationOptions

    @Flag(help: "List the files that failed to index, with their reasons.")
    var failures = false

    func run() throws {
        let locations = Locations.current()
        let store = try IndexStore.openForReading(at: index.resolve(locations))
        if failures {
            for record in try store.catalog.failures() {
                print("\(FilePaths.display(record.path, from: locations.currentDirectory)): \(record.error ?? "failed")")
            }
            return
        }
        for space in try store.catalog.spaces() {
            let counts = try store.catalog.counts(space: space.id)
            // Recordings indexed without rows (`no speech`): indexed, not failed, but told.
            let silent = try store.catalog.notes(space: space.id).filter { $0.note.hasPrefix("no speech") }.count
            print("\(space.spaceID): \(counts.ok) indexed\(silent > 0 ? " (\(silent) without speech)" : ""), "
                  + "\(counts.failed) failed, \(space.elementType) vectors")
        }
    }
}
