import ArgumentParser
import Foundation
import MMLite
import MMSearchKit

/// `--model PACK` and `--plugin-dir DIR`, shared by every command that embeds.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "Model pack (available: \(Packs.registry.names.joined(separator: ", "))).",
        valueName: "pack"))
    var pack: String?

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

    /// Loads the chosen pack from the models directory and the plugins from the plugin folders.
    func loadRegistry(_ locations: Locations) throws -> EncoderRegistry {
        var loaded = try Packs.registry.load(pack, modelsDirectory: locations.modelsDirectory())
        if let maxAudioSeconds { loaded = try loaded.limitingAudio(toSeconds: maxAudioSeconds) }
        var registry = EncoderRegistry(pack: loaded)
        registry.loadPlugins(from: pluginFolders(locations), log: { plugin, level, message in
            if level >= .warning { Console.error("plugin \(plugin): \(level): \(message)") }
        })
        return registry
    }

    /// The pack with every plugin that loaded; each plugin that did not is a warning on stderr
    /// (`mmsearch plugins` lists them with the reasons).
    func load(_ locations: Locations) throws -> ModelPack {
        let registry = try loadRegistry(locations)
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

/// The model packs built into this program; the first is the default.
enum Packs {
    static let registry = ModelPackRegistry([
        (name: "lite", load: { try LitePack.load(modelsDirectory: $0) }),
    ])
}
