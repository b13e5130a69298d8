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
            (lite: jpg, jpeg, png) and those of the loaded plugins (see `mmsearch \
            plugins`). Hidden files and folders are skipped. Files whose size \
            and modification time are unchanged are not embedded again; files gone from a \
            scanned folder leave the index. A file that cannot be read is reported once as \
            "path: reason", recorded, and skipped. Progress is shown when stderr is a \
            terminal; a summary line always.

            EXAMPLES
              mmsearch index ~/Pictures
              mmsearch index ./photos ./scans --index /tmp/my-index --threads 2
              mmsearch index ~/Videos --plugin-dir ./plugins
              mmsearch index ./photos 2>failures.txt; echo "exit $?"
            """)

    @Argument(help: ArgumentHelp("Folders (or single files) to index.", valueName: "dir"))
    var folders: [String] = []

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("Worker threads that decode and embed (default: active cores).",
                               valueName: "n"))
    var threads: Int?

    func validate() throws {
        if folders.isEmpty { throw ValidationError("give at least one folder to index, e.g. `mmsearch index ./photos`") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let locations = Locations.current()
        let pack = try model.load(locations)
        let engine = Engine(pack: pack, indexDirectory: index.resolve(locations))
        let roots = folders.map { URL(fileURLWithPath: locations.absolutePath($0)) }
        var options = IndexOptions()
        if let threads { options.threads = threads }

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
        Console.error(summary.description)
        withExtendedLifetime(interrupt) {}
        if summary.interrupted { throw ExitCode(ExitStatus.interrupted) }
        if summary.failed > 0 { throw ExitCode(ExitStatus.someFailed) }
    }
}
