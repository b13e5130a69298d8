import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch index DIR…`
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Scan folders and embed new or changed files into the index.",
        discussion: """
            Folders are scanned recursively for the file types the model pack reads \
            (lite: jpg, jpeg, png, and txt, md through its text encoder, one vector per \
            paragraph-aware chunk) and those of the loaded plugins (see `mmsearch plugins`). \
            Hidden files and folders are skipped unless --include-hidden; folders named \
            \(IndexOptions.defaultExcludedNames.joined(separator: ", ")) are skipped unless \
            --no-default-excludes. A folder's .mmsearchignore names more to skip there and \
            below: one pattern per line (*.tmp, drafts), # for comments.

            Re-running is incremental: files whose size and modification time are unchanged \
            are not even read; new and changed files are hashed (XXH64), and one with the \
            content of a moved, renamed or copied file takes that file's vectors without \
            being embedded again; files gone from a scanned folder leave the index. A file \
            that cannot be read is reported once as "path: reason", recorded (see `mmsearch \
            stats --failures`), and skipped. Progress with rate and ETA is shown when stderr \
            is a terminal; a summary line always.

            CHANGING MODELS: with --model naming another pack than the index was built \
            with, the run builds that pack's space beside the old one; queries keep using \
            the old space until `mmsearch spaces use PACK` (see `mmsearch spaces`). Without \
            --model the run refreshes the space queries use.

            EXAMPLES
              mmsearch index ~/Pictures
              mmsearch index ./photos ./scans --index /tmp/my-index --threads 2
              mmsearch index ~/Documents --exclude build --exclude ~/Documents/old
              mmsearch index ~/Videos --plugin-dir ./plugins
              mmsearch index ./photos 2>failures.txt; echo "exit $?"
              mmsearch index ~/Pictures --model clip-vit-b32     a second space, beside
            """)

    @Argument(help: ArgumentHelp("Folders (or single files) to index.", valueName: "dir"))
    var folders: [String] = []

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions

    @OptionGroup var indexing: IndexingOptions

    func validate() throws {
        if folders.isEmpty { throw ValidationError("give at least one folder to index, e.g. `mmsearch index ./photos`") }
    }

    func run() throws {
        let locations = Locations.current()
        let index = try self.index.index(locations)
        let engine = Engine(pack: try model.load(locations, index: index), index: index)
        let roots = folders.map { URL(fileURLWithPath: locations.absolutePath($0)) }
        var options = indexing.options(locations)
        // A pack named on the command line may start a space beside the index's others.
        options.besideOtherSpaces = model.pack != nil

        let interrupt = InterruptHandler()
        let line = ProgressLine(enabled: Console.stderrIsTerminal)
        let summary = try engine.index(roots: roots, options: options, cancel: interrupt.flag) { event in
            switch event {
            case .progress(let progress):
                line.update(progress)
            case .failed(let path, let reason):
                line.clear()
                Console.error("\(FilePaths.display(path, from: locations.currentDirectory)): \(reason)")
            }
        }
        line.clear()
        for note in summary.notes {
            Console.error("\(FilePaths.display(note.path, from: locations.currentDirectory)): \(note.note.description)")
        }
        for note in summary.photoNotes {
            Console.error("\(FilePaths.display(note.path, from: locations.currentDirectory)): \(note.reason)")
        }
        Console.error(summary.description)
        if let active = try? index.activeSpace(), active.spaceID != engine.pack.space {
            let built = try index.store.spaces().first { $0.spaceID == engine.pack.space }
            let counts = try built.map(index.store.counts(of:)) ?? SpaceCounts()
            Console.error("\(engine.pack.name): \(counts.ok) files in its space; queries use \(active.name) until "
                          + "`mmsearch spaces use \(engine.pack.name)`")
        }
        withExtendedLifetime(interrupt) {}
        if summary.interrupted { throw ExitCode(ExitStatus.interrupted) }
        if summary.failed > 0 { throw ExitCode(ExitStatus.someFailed) }
    }
}
