import ArgumentParser
import Foundation
import MMLite
import MMSearchKit

/// `--model PACK`, shared by every command that embeds.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "Model pack (available: \(Packs.registry.names.joined(separator: ", "))).",
        valueName: "pack"))
    var pack: String?

    /// Loads the chosen pack from the models directory.
    func load(_ locations: Locations) throws -> ModelPack {
        try Packs.registry.load(pack, modelsDirectory: locations.modelsDirectory())
    }
}

/// `--index DIR`, shared by the commands that read or write an index.
struct IndexLocationOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: ArgumentHelp(
        "Index directory (default: $MMSEARCH_INDEX, else $XDG_DATA_HOME/mmsearch/index).",
        valueName: "dir"))
    var directory: String?

    func resolve(_ locations: Locations) -> URL {
        locations.indexDirectory(explicit: directory)
    }
}

/// The model packs built into this program; the first is the default.
enum Packs {
    static let registry = ModelPackRegistry([
        (name: "lite", load: { try LitePack.load(modelsDirectory: $0) }),
    ])
}
