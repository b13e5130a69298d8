import ArgumentParser
import Foundation
import MMSearchKit
import MMSearchServer

/// `mmsearch query QUERY [+ TERM] [- TERM] …`
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Find the indexed files most similar to a text, a file, or a combination.",
        discussion: """
            QUERY is a file when it starts with ./, ../, / or ~/, or names an existing \
            file; otherwise it is text. Output: one "score  path" line per result, best \
            first, paths relative to the current directory when inside it. Scores are \
            cosine similarities. Each file is one result: a text file (or a recording, by \
            its transcript) by its best-matching part, shown after the path ("@ bytes \
            120–480" of a text file, "@ 12.0s–15.5s" of a recording or a video, "@ region \
            120,40 300×60" of text read in an image: x,y width×height in pixels) with its \
            text on the next line, indented; --all-chunks lists every matching part instead.

            COMBINING QUERIES (as rclip): "+ TERM" (or --add TERM) adds a term, \
            "- TERM" (or --subtract TERM) subtracts one; each term is a text or a file, \
            with an optional WEIGHT: prefix (2:"a dog", 0.5:./cat.jpg, .5:snow). The \
            vector searched is the weighted sum of the terms' unit vectors (subtracted \
            ones negated), renormalised to unit length: q = Σ wᵢeᵢ / ‖Σ wᵢeᵢ‖.

            --server URL (or MMSEARCH_SERVER) sends the query to a running `mmsearch \
            serve` instead of loading the models here, and prints exactly what a local \
            query prints; files in the query are uploaded, never kept. A server with a \
            token needs MMSEARCH_TOKEN.

            --hybrid also ranks the query's words (BM25 over path names, stored labels \
            and text chunks) and fuses both rankings by reciprocal rank fusion (k = 60), \
            so exact words such as file names and codes are found.

            --json prints one object (fields are only ever added, never changed):
              {"query": {"kind": "text"|"file", "value": TEXT or ABSOLUTE-PATH,
                         "terms": [{"kind", "value", "weight"}, …]},
               "space": {"name": PACK, "dimension": N, "fingerprint": HEX},
               "results": [{"id": FILE-ID, "path": ABSOLUTE-PATH, "score": FLOAT,
                            "modality": "image"|"text"|"audio"|"video"|…,
                            "part": {"index": N, "score": FLOAT,
                                     "bytes": {"start": BYTE, "end": BYTE},
                                     "time": {"start": S, "end": S},
                                     "region": {"x": PX, "y": PX, "width": PX,
                                                "height": PX},
                                     "snippet": TEXT},
                            "segment": {"start": S, "end": S, "score": FLOAT},
                            "chunk": {"index": N, "start": BYTE, "end": BYTE,
                                      "snippet": TEXT},
                            "labels": [{"label": NAME, "probability": P}, …],
                            "fusion": {"score": RRF, "vector_rank": N,
                                       "keyword_rank": N}}, …]}
            "terms" is there for combined queries only; "part" for files with parts \
            ("bytes": offsets into a text file, or into a recording's transcript; "time": \
            a recording's passage or a video's frame; "region": where text read in an \
            image lies in it, pixels of the upright image); "chunk" (a part with text) and \
            "segment" (a video's frame) say the same as "part" in schema 1's words; \
            "labels" for files labelled by `mmsearch label --all`; "fusion" with --hybrid.

            PREVIEWS: --preview draws each image result under its line, 16 columns wide \
            (at most 12 rows), in the terminal's own graphics: kitty's protocol (kitty, \
            Ghostty), iTerm2's inline images (iTerm2, WezTerm), sixel (foot, mlterm, \
            contour, mintty), else coloured half blocks (▀). The terminal is told by TERM, \
            TERM_PROGRAM, LC_TERMINAL, KITTY_WINDOW_ID and COLORTERM (inside tmux or \
            screen: half blocks); MMSEARCH_PREVIEW=kitty|iterm2|sixel|symbols|symbols256|none \
            overrides that. Nothing is drawn when stdout is not a terminal, nor with \
            --json, -f or -0 (the flag is ignored there). A server's result is drawn when \
            its file is on this machine.

            EXAMPLES
              mmsearch query "a dog"
              mmsearch query ./cat.jpg -t 5
              mmsearch query "a dog" + "in the snow" - ./cat.jpg
              mmsearch query 2:"a beach" --subtract 0.5:people
              mmsearch query ./photo.jpg --modality text      texts about a photo
              mmsearch query "a storm" --all-chunks           every matching paragraph
              mmsearch query "a cat" --in ~/Pictures/2024 --min-score 0.3
              mmsearch query "a dog" --label dog              only files labelled "dog"
              mmsearch query "invoice 8841" --hybrid
              mmsearch query "a horse" --preview -t 5      thumbnails in the terminal
              mmsearch query "something to eat" --json | jq -r '.results[0].path'
              mmsearch query "a red car" -f | head -3 | xargs eog
              mmsearch query "a beach" -0 | xargs -0 cp -t ~/beach/     any file name
            """)

    @Argument(help: ArgumentHelp("Text, or a file path (./cat.jpg); optionally WEIGHT:QUERY.", valueName: "query"))
    var query: String

    @Option(name: [.customShort("a"), .customLong("add")], help: ArgumentHelp(
        "Add a term (text or ./file, optionally WEIGHT:TERM); repeatable; also written + TERM.", valueName: "term"))
    var add: [String] = []

    @Option(name: [.customShort("s"), .customLong("subtract")], help: ArgumentHelp(
        "Subtract a term (text or ./file, optionally WEIGHT:TERM); repeatable; also written - TERM.", valueName: "term"))
    var subtract: [String] = []

    @Option(name: [.short, .customLong("top")], help: ArgumentHelp("Number of results.", valueName: "n"))
    var top = 10

    @OptionGroup var filters: SearchFilterOptions

    @Flag(name: .customLong("all-chunks"), help: ArgumentHelp(
        "Every matching chunk of a text file or recording as its own result, not only each file's best."))
    var allChunks = false

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @Flag(name: [.customShort("f"), .customLong("paths-only")], help: "Print absolute paths only, one per line (for piping).")
    var pathsOnly = false

    @Flag(name: [.customShort("0"), .customLong("null")], help: ArgumentHelp(
        "Print absolute paths only, each ended by a NUL byte (for `xargs -0`: safe with any file name)."))
    var nullSeparated = false

    @Flag(help: ArgumentHelp(
        "Draw each image result in the terminal (kitty, iTerm2, sixel or half blocks; $MMSEARCH_PREVIEW overrides)."))
    var preview = false

    @Option(help: ArgumentHelp("Ask a running `mmsearch serve` at this URL (default: $MMSEARCH_SERVER; none: search here).",
                               valueName: "url"))
    var server: String?

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        if top < 1 { throw ValidationError("-t must be at least 1") }
        if json && (pathsOnly || nullSeparated) { throw ValidationError("--json and -f/-0 cannot be used together") }
        if query.isEmpty { throw ValidationError("the query is empty: give a text or a file") }
    }

    func run() throws {
        // Before the search, so that a wrong MMSEARCH_PREVIEW is said at once.
        let graphics = try TerminalPreview.graphics(
            environment: ProcessInfo.processInfo.environment, stdoutIsTerminal: isatty(STDOUT_FILENO) == 1,
            requested: preview, machineOutput: json || pathsOnly || nullSeparated)
        let locations = Locations.current()
        let expression = try QueryExpression.parse(query, adding: add, subtracting: subtract, locations: locations)
        var options = try filters.options(locations)
        options.allChunks = allChunks
        var document: QueryResultsDocument
        if let server = try serverURL() {
            document = try SearchClient(server: server, token: ProcessInfo.processInfo.environment["MMSEARCH_TOKEN"])
                .search(expression, limit: top, options: options)
            // The query as given here (a file by its path, not the name of its upload).
            document.query = QueryResultsDocument.QueryPart(expression)
        } else {
            let index = try self.index.index(locations)
            let pack = try model.load(locations, index: index)
            let hits = try Engine(pack: pack, index: index).search(expression, limit: top, options: options)
            document = QueryResultsDocument(expression: expression, space: pack.space, hits: hits)
        }
        let hits = document.results.map(\.hit)
        if json {
            print(try JSONOutput.encode(document))
        } else if nullSeparated {
            FileHandle.standardOutput.write(Data(hits.map { $0.path + "\u{0}" }.joined().utf8))
        } else if pathsOnly {
            for hit in hits { print(hit.path) }
        } else {
            let box = TerminalPreview.box(window: graphics == nil ? nil : TerminalPreview.window())
            for hit in hits {
                for line in ResultLines.lines(hit, from: locations.currentDirectory,
                                              dated: options.order != .score || options.dates != nil) { print(line) }
                if let graphics {
                    for line in TerminalPreview.lines(for: hit, graphics: graphics, box: box) { print(line) }
                }
            }
        }
    }

    /// The server to ask: --server, else $MMSEARCH_SERVER; nil to search here.
    private func serverURL() throws -> URL? {
        guard let text = server ?? ProcessInfo.processInfo.environment["MMSEARCH_SERVER"], !text.isEmpty else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--server: an http:// URL such as http://127.0.0.1:7878, not \(text)")
        }
        return url
    }
}
