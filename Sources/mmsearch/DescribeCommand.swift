import ArgumentParser
import Foundation
import MMBuiltins
import MMSearchKit

/// `mmsearch describe FILE`
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "The words that best describe a file, from a built-in vocabulary.",
        discussion: """
            Embeds FILE (indexed or not) and prints the closest of the built-in vocabulary's \
            common English nouns and noun phrases (about 4 500) \
            (each embedded as "a photo of a WORD."), one "score  word" line each, best \
            first; scores are cosine similarities. The vocabulary's vectors are computed \
            on first use per model pack (a minute on a slow CPU) and cached under \
            $MMSEARCH_MODELS/cache. --json prints \
            {"path": ABSOLUTE-PATH, "words": [{"word": W, "score": S}, …]}.

            EXAMPLES
              mmsearch describe ./photo.jpg
              mmsearch describe ./photo.jpg -t 3 --json
            """)

    @Argument(help: ArgumentHelp("The file to describe.", valueName: "file"))
    var file: String

    @Option(name: [.short, .customLong("top")], help: ArgumentHelp("Number of words.", valueName: "n"))
    var top = 10

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @OptionGroup var model: ModelOptions

    func validate() throws {
        if top < 1 { throw ValidationError("-t must be at least 1") }
    }

    func run() throws {
        let locations = Locations.current()
        let path = locations.absolutePath(file)
        // Describing needs no index: the engine's index is never opened.
        let index = BuiltinStores.index(at: locations.indexDirectory())
        let engine = Engine(pack: try model.load(locations, index: index), index: index)
        let cache = VectorCache(directory: locations.modelsDirectory().appendingPathComponent("cache"))
        let words = try engine.describe(URL(fileURLWithPath: path), limit: top, cache: cache)
        if json {
            print(try JSONOutput.encode(DescribeDocument(path: path, words: words)))
        } else {
            for (word, score) in words { print(String(format: "%.4f  ", score) + word) }
        }
    }
}
