import ArgumentParser
import Foundation
import MMBuiltins
import MMSearchKit

/// `mmsearch embed TEXT|FILE`
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the vector of a text or a file.",
        discussion: """
            INPUT follows the same rule as a query: a file when it starts with ./, ../, / \
            or ~/, or names an existing file; text otherwise. Plain output is the numbers \
            on one line, separated by spaces. --json prints
              {"input": {"kind": "text"|"file", "value": …}, "modality": …,
               "space": {"name": …, "dimension": N, "fingerprint": …},
               "dimension": N, "vector": [N numbers]}

            EXAMPLES
              mmsearch embed "a dog"
              mmsearch embed ./cat.jpg --json | jq '.vector | length'
            """)

    @Argument(help: ArgumentHelp("Text, or a file path (./cat.jpg).", valueName: "input"))
    var input: String

    @Flag(help: "Print one JSON object instead of the bare numbers.")
    var json = false

    @OptionGroup var model: ModelOptions

    func validate() throws {
        if input.isEmpty { throw ValidationError("the input is empty: give a text or a file") }
    }

    func run() throws {
        let locations = Locations.current()
        // Embedding needs no index: the engine's index is never opened.
        let index = BuiltinStores.index(at: locations.indexDirectory())
        let engine = Engine(pack: try model.load(locations, index: index), index: index)
        let parsed = Query.parse(input, locations: locations)
        let embedding = try engine.embed(parsed)
        if json {
            print(try JSONOutput.encode(EmbeddingDocument(input: parsed, embedding: embedding)))
        } else {
            print(embedding.vector.map { "\($0)" }.joined(separator: " "))
        }
    }
}
