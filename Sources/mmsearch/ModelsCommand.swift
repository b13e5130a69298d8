import ArgumentParser
import Foundation
import MMBuiltins
import MMSearchKit

/// `mmsearch models`
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model packs, what they read, where their weights go, and which is the default.",
        discussion: """
            A pack's weights are expected in $MMSEARCH_MODELS/<pack> (default \
            ~/.cache/mmsearch/models/<pack>) and put there by Scripts/fetch/models.py \
            (lite, clip, clap). Commands that embed use --model PACK when given; else the \
            pack the index was built with (an index never mixes packs); else the best pack \
            present: clip-vit-b32, then lite. clap-htsat reads no photos and is never the \
            default for a new index: choose it with --model clap-htsat. --model-dir DIR \
            loads a pack from any folder (for clip-vit-b32 and clap-htsat: a Hugging Face \
            model folder). Loads no weights.

            --json prints one object:
              {"models_directory": DIR, "default": {"pack", "reason", "index"},
               "packs": [{"name", "summary", "modalities": [...], "directory",
                          "present": BOOL, "missing": [FILE, ...], "default_rank": N|null,
                          "precision": "f32"|"int8", "fetch": COMMAND}, …]}
            "reason" is "named", "index", "best-present" or "fallback". "precision" (the \
            PRECISION column) is what a new index is built at when --precision is not given.

            EXAMPLES
              mmsearch models
              mmsearch models --json | jq -r '.packs[] | select(.present) | .name'
              mmsearch models --index ./my-index    # the pack that index was built with
            """)

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @OptionGroup var index: IndexLocationOptions

    @Option(name: .customLong("model"), help: ArgumentHelp("Show the default as if --model were given.", valueName: "pack"))
    var pack: String?

    func validate() throws {
        if let pack, !BuiltinPacks.registry.names.contains(pack) {
            throw ValidationError("unknown model pack '\(pack)': available packs: \(BuiltinPacks.registry.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        let locations = Locations.current()
        let models = locations.modelsDirectory()
        let choice = BuiltinPacks.registry.choose(named: pack, modelsDirectory: models, index: try index.index(locations))
        let document = ModelsDocument(registry: BuiltinPacks.registry, modelsDirectory: models, choice: choice)
        if json {
            print(try JSONOutput.encode(document))
            return
        }
        for line in ModelsTable.lines(document, choice: choice) { print(line) }
    }
}

/// The plain listing of `mmsearch models`.
enum ModelsTable {
    static func lines(_ document: ModelsDocument, choice: PackChoice) -> [String] {
        let header = ["PACK", "MODALITIES", "WEIGHTS", "PRECISION", "FOLDER"]
        let rows = document.packs.map { pack in
            [pack.name + (pack.name == choice.name ? " *" : ""), pack.modalities.joined(separator: ","),
             pack.present ? "present" : "missing", pack.precision, pack.directory]
        }
        var lines = TextTable.lines(header: header, rows: rows)
        lines.append("")
        lines.append("* default: \(choice.name) (\(explanation(choice)))")
        let missing = document.packs.filter { !$0.present }
        if !missing.isEmpty {
            lines.append("")
            lines.append("to get a missing pack:")
            for pack in missing {
                lines.append("  \(pack.fetch)    (\(pack.name); or --model \(pack.name) --model-dir DIR)")
            }
        }
        lines.append("")
        for pack in document.packs { lines.append("\(pack.name): \(pack.summary)") }
        return lines
    }
}

extension ModelsTable {
    /// Why the default is the default, in the command line's words.
    static func explanation(_ choice: PackChoice) -> String {
        switch choice.reason {
        case .named: "named with --model"
        case .index(let location): "the index at \(location) was built with it"
        case .bestPresent: "the best pack whose weights are present"
        case .fallback: "no pack's weights are present"
        }
    }
}
