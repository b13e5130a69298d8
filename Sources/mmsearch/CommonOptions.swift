import ArgumentParser
import Foundation
import MMCLAP
import MMCLIP
import MMLite
import MMSearchKit

/// `--model PACK`, `--model-dir DIR` and `--plugin-dir DIR`, shared by every command that embeds.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "Model pack (\(Packs.registry.names.joined(separator: ", "))). Default: the pack the index was built with, "
        + "else the best pack present (see `mmsearch models`).",
        valueName: "pack"))
    var pack: String?

    @Option(name: .customLong("model-dir"), help: ArgumentHelp(
        "Load the pack's weights from this folder instead of $MMSEARCH_MODELS/<pack> (for clip-vit-b32 and "
        + "clap-htsat: any Hugging Face model folder). Needs --model unless the index was built with a pack.",
        valueName: "dir"))
    var modelDirectory: String?

    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp(
        "Also load plugins from this folder (repeatable; searched before $MMSEARCH_PLUGIN_PATH "
        + "and $XDG_DATA_HOME/mmsearch/plugins).", valueName: "dir"))
    var pluginDirectories: [String] = []

    @Option(name: .customLong("max-audio-seconds"), help: ArgumentHelp(
        "Read at most this many seconds of each audio file (default 3600); a longer file is indexed up to there and the summary says so.",
        valueName: "s"))
    var maxAudioSeconds: Double?

    func validate() throws {
        if let maxAudioSeconds, !(maxAudioSeconds > 0 && maxAudioSeconds.isFinite) {
            throw ValidationError("--max-audio-seconds must be a positive number of seconds")
        }
    }

    /// The folders plugins are loaded from, in order.
    func pluginFolders(_ locations: Locations) -> [PluginDirectory] {
        locations.pluginDirectories(explicit: pluginDirectories)
    }

    /// The pack this command uses (see `ModelPackRegistry.choose`): `--model`, else the pack
    /// the index at `index` (default: the default index) was built with, else the best present.
    func choice(_ locations: Locations, index: URL? = nil) throws -> PackChoice {
        let choice = Packs.registry.choose(named: pack, modelsDirectory: locations.modelsDirectory(),
                                           indexDirectory: index ?? locations.indexDirectory())
        if modelDirectory != nil, choice.reason != .named, !isIndex(choice.reason) {
            throw MMSearchError(.usage, "--model-dir needs --model PACK to say what the folder holds ("
                                + Packs.registry.names.joined(separator: ", ") + ")")
        }
        return choice
    }

    private func isIndex(_ reason: PackChoice.Reason) -> Bool {
        if case .index = reason { return true }
        return false
    }

    /// Loads the chosen pack and the plugins from the plugin folders.
    func loadRegistry(_ locations: Locations, index: URL? = nil) throws -> EncoderRegistry {
        let chosen = try choice(locations, index: index)
        var pack = try Packs.registry.load(
            chosen.name, modelsDirectory: locations.modelsDirectory(),
            directory: modelDirectory.map { URL(fileURLWithPath: locations.absolutePath($0), isDirectory: true) },
            digests: WeightsDigest(cacheDirectory: locations.digestCacheDirectory()))
        if let maxAudioSeconds { pack = try pack.limitingAudio(toSeconds: maxAudioSeconds) }
        var registry = EncoderRegistry(pack: pack)
        registry.loadPlugins(from: pluginFolders(locations), log: { plugin, level, message in
            if level >= .warning { Console.error("plugin \(plugin): \(level): \(message)") }
        })
        return registry
    }

    /// The pack with every plugin that loaded; each plugin that did not is a warning on stderr
    /// (`mmsearch plugins` lists them with the reasons). `index`: the index the command works
    /// on (default: the default index), whose pack is the default.
    func load(_ locations: Locations, index: URL? = nil) throws -> ModelPack {
        let registry = try loadRegistry(locations, index: index)
        for failure in registry.failures {
            Console.error("warning: plugin \(failure.path) not loaded: \(failure.reason)")
        }
        return registry.pack
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

/// The model packs built into this program, in the order `mmsearch models` lists them.
enum Packs {
    static let registry = ModelPackRegistry([
        .init(LitePack.description) { try LitePack.load(from: $0) },
        .init(CLIPPack.description) { try CLIPPack.load(from: $0) },
        .init(ClapPack.description) { try ClapPack.load(from: $0) },
    ])
}
