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

            EXAMPLES
              mmsearch index ~/Pictures
              mmsearch index ./photos ./scans --index /tmp/my-index --threads 2
              mmsearch index ~/Documents --exclude build --exclude ~/Documents/old
              mmsearch index ~/Videos --plugin-dir ./plugins
              mmsearch index ./photos 2>failures.txt; echo "exit $?"
            """)

    @Argument(help: ArgumentHelp("Folders (or single files) to index.", valueName: "dir"))
    var folders: [String] = []

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("Worker threads that decode and embed (default: the cores this process may use, or MMSEARCH_THREADS).",
                               valueName: "n"))
    var threads: Int?

    @Option(name: .customLong("exclude"), help: ArgumentHelp(
        "Skip folders (and files) with this name (a pattern such as 'build*'), or this folder when the value contains a '/'. Repeatable.",
        valueName: "dir"))
    var excludes: [String] = []

    @Flag(name: .customLong("no-default-excludes"), help: "Also enter .git, node_modules and the other folders skipped by default.")
    var noDefaultExcludes = false

    @Flag(name: .customLong("include-hidden"), help: "Also index hidden files and folders (names starting with '.').")
    var includeHidden = false

    @Option(help: ArgumentHelp("How a new index stores vectors: f32 (default; exact scores) or f16 (half the disk). `mmsearch compact --storage` converts an existing one.",
                               valueName: "type"))
    var storage: VectorStorage?

    @Option(name: .customLong("max-text-chunks"), help: ArgumentHelp(
        "Embed at most this many chunks of one text file (default \(TextBudget.defaultMaxChunks)); a longer file is indexed up to there and the summary says so.",
        valueName: "n"))
    var maxTextChunks: Int?

    @Option(name: .customLong("max-text-seconds"), help: ArgumentHelp(
        "Stop embedding one text file after this many seconds (default \(Int(TextBudget.defaultMaxSeconds))); what was embedded is kept and the summary says so.",
        valueName: "s"))
    var maxTextSeconds: Double?

    func validate() throws {
        if let maxTextChunks, maxTextChunks < 1 { throw ValidationError("--max-text-chunks must be at least 1") }
        if let maxTextSeconds, !(maxTextSeconds > 0 && maxTextSeconds.isFinite) {
            throw ValidationError("--max-text-seconds must be a positive number of seconds")
        }
        if folders.isEmpty { throw ValidationError("give at least one folder to index, e.g. `mmsearch index ./photos`") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let locations = Locations.current()
        let index = self.index.index(locations)
        let engine = Engine(pack: try model.load(locations, index: index), index: index)
        let roots = folders.map { URL(fileURLWithPath: locations.absolutePath($0)) }
        var options = IndexOptions()
        if let threads { options.threads = threads }
        if noDefaultExcludes { options.excludedNames = [] }
        for exclude in excludes {
            if exclude.contains("/") {
                options.excludedPaths.append(locations.absolutePath(exclude))
            } else {
                options.excludedNames.append(exclude)
            }
        }
        options.includeHidden = includeHidden
        if let storage { options.storage = storage }
        options.textBudget = TextBudget(maxChunks: maxTextChunks ?? TextBudget.defaultMaxChunks,
                                        maxSeconds: maxTextSeconds ?? TextBudget.defaultMaxSeconds)

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
        Console.error(summary.description)
        withExtendedLifetime(interrupt) {}
        if summary.interrupted { throw ExitCode(ExitStatus.interrupted) }
        if summary.failed > 0 { throw ExitCode(ExitStatus.someFailed) }
    }
}
