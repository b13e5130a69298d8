import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch query QUERY`
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Find the indexed files most similar to a text or to a file.",
        discussion: """
            QUERY is a file when it starts with ./, ../, / or ~/, or names an existing \
            file; otherwise it is text. Output: one "score  path" line per result, best \
            first, paths relative to the current directory when inside it. Scores are \
            cosine similarities.

            --json prints one object (fields are only ever added, never changed):
              {"query": {"kind": "text"|"file", "value": TEXT or ABSOLUTE-PATH},
               "space": {"name": PACK, "dimension": N, "fingerprint": HEX},
               "results": [{"path": ABSOLUTE-PATH, "score": FLOAT,
                            "modality": "image"|"text"|"video"|…,
                            "segment": {"start": S, "end": S, "score": FLOAT}}, …]}
            "segment" is there for time-based media (video through a plugin): the part \
            that best matches the query, in seconds; plain output shows its start as \
            "@ 12.0s" after the path.

            EXAMPLES
              mmsearch query "a dog"
              mmsearch query ./cat.jpg -t 5
              mmsearch query "something to eat" --json | jq -r '.results[0].path'
              mmsearch query "a red car" -f | head -3 | xargs eog
            """)

    @Argument(help: ArgumentHelp("Text, or a file path (./cat.jpg).", valueName: "query"))
    var query: String

    @Option(name: [.short, .customLong("top")], help: ArgumentHelp("Number of results.", valueName: "n"))
    var top = 10

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @Flag(name: [.customShort("f"), .customLong("paths-only")], help: "Print absolute paths only, one per line (for piping).")
    var pathsOnly = false

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        if top < 1 { throw ValidationError("-t must be at least 1") }
        if json && pathsOnly { throw ValidationError("--json and -f cannot be used together") }
        if query.isEmpty { throw ValidationError("the query is empty: give a text or a file") }
    }

    func run() throws {
        let locations = Locations.current()
        let pack = try model.load(locations, index: index.resolve(locations))
        let engine = Engine(pack: pack, indexDirectory: index.resolve(locations))
        let parsed = Query.parse(query, locations: locations)
        let hits = try engine.search(parsed, limit: top)
        if json {
            print(try JSONOutput.encode(QueryResultsDocument(query: parsed, space: pack.space, hits: hits)))
        } else if pathsOnly {
            for hit in hits { print(hit.path) }
        } else {
            for hit in hits {
                print(String(format: "%.4f", hit.score) + "  "
                      + FilePaths.display(hit.path, from: locations.currentDirectory)
                      + (hit.segment.map { String(format: " @ %.1fs", $0.start) } ?? ""))
            }
        }
    }
}
