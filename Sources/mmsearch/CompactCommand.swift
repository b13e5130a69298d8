import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch compact`
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the index's vector files without the vectors of deleted and changed files.",
        discussion: """
            Vectors of files that were deleted, changed or re-embedded stay in the vector \
            files as dead rows (tombstones) until compaction rewrites them. Queries may run \
            meanwhile; another `mmsearch index` may not. --storage converts the vectors to \
            f32 or f16 on the way. Needs no models.

            EXAMPLES
              mmsearch compact
              mmsearch compact --storage f16 --index /tmp/my-index
            """)

    @OptionGroup var index: IndexLocationOptions

    @Option(help: ArgumentHelp("Convert the stored vectors to f32 or f16.", valueName: "type"))
    var storage: VectorStorage?

    func run() throws {
        let locations = Locations.current()
        let start = Date()
        let spaces = try index.index(locations).compact(storage: storage)
        for space in spaces {
            let change = space.rewritten
                ? "\(space.rowsBefore) → \(space.rowsAfter) rows, \(megabytes(space.bytesBefore)) → \(megabytes(space.bytesAfter))"
                    + (space.storageBefore != space.storageAfter ? ", \(space.storageBefore) → \(space.storageAfter)" : "")
                : "already compact (\(space.rowsAfter) rows, \(space.storageAfter))"
            Console.error("\(space.space): \(change)")
        }
        Console.error(String(format: "compacted in %.1f s", Date().timeIntervalSince(start)))
    }

    private func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1e6)
    }
}
