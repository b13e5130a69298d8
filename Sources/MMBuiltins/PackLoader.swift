import Foundation
import MMSearchKit

/// Which pack a program wants and how to load it: what the command line's `--model`,
/// `--model-dir`, `--plugin-dir` and `--max-audio-seconds` say, as a library user says it.
public struct PackRequest: Sendable {
    /// The pack's name; nil for the default (`ModelPackRegistry.choose`).
    public var name: String?
    /// Load the pack's files from this folder instead of `<models>/<pack>`.
    public var modelDirectory: URL?
    /// Extra plugin folders, searched before `$MMSEARCH_PLUGIN_PATH` and the standard one.
    public var pluginDirectories: [String]
    /// Read at most this many seconds of each audio file.
    public var maxAudioSeconds: Double?
    /// The encoders' number format; nil: the one the index was built at, else the pack's
    /// default (`ModelPackDescription.defaultPrecision`).
    public var precision: InferencePrecision?

    public init(name: String? = nil, modelDirectory: URL? = nil, pluginDirectories: [String] = [],
                maxAudioSeconds: Double? = nil, precision: InferencePrecision? = nil) {
        self.precision = precision
        self.name = name
        self.modelDirectory = modelDirectory
        self.pluginDirectories = pluginDirectories
        self.maxAudioSeconds = maxAudioSeconds
    }
}

/// Puts a built-in pack together with its plugins and limits: what every program that embeds
/// needs before it can index or search.
///
///     let loaded = try PackLoader(locations: .current()).load(PackRequest(), index: index)
///     let engine = Engine(pack: loaded.registry.pack, index: index)
public struct PackLoader: Sendable {
    public let locations: Locations
    public let registry: ModelPackRegistry

    public init(locations: Locations, registry: ModelPackRegistry = BuiltinPacks.registry) {
        self.locations = locations
        self.registry = registry
    }

    /// The folders plugins are loaded from, in order.
    public func pluginFolders(_ request: PackRequest) -> [PluginDirectory] {
        locations.pluginDirectories(explicit: request.pluginDirectories)
    }

    /// The pack `request` asks for (see `ModelPackRegistry.choose`): its name, else the pack
    /// `index` was built with, else the best present. A model folder needs a name unless the
    /// index gives one.
    public func choice(_ request: PackRequest, index: Index?) throws -> PackChoice {
        let choice = registry.choose(named: request.name, modelsDirectory: locations.modelsDirectory(), index: index)
        if request.modelDirectory != nil, choice.reason != .named, !choice.isFromIndex {
            throw MMSearchError(.usage, "a model folder needs the name of the pack it holds ("
                                + registry.names.joined(separator: ", ") + ")", reason: .modelFolderWithoutPack)
        }
        return choice
    }

    /// Loads the chosen pack, limited as asked, with every plugin of the plugin folders that
    /// loads; the ones that do not are in the result's `failures`, with their reasons.
    /// `log` gets the plugins' log lines.
    public func load(_ request: PackRequest, index: Index?, log: PluginLogHandler? = nil) throws -> EncoderRegistry {
        let chosen = try choice(request, index: index)
        var pack = try registry.load(chosen.name, modelsDirectory: locations.modelsDirectory(),
                                     directory: request.modelDirectory,
                                     digests: WeightsDigest(cacheDirectory: locations.digestCacheDirectory()),
                                     precision: precision(request, pack: chosen, index: index))
        if let seconds = request.maxAudioSeconds { pack = try pack.limitingAudio(toSeconds: seconds) }
        var encoders = EncoderRegistry(pack: pack)
        encoders.loadPlugins(from: pluginFolders(request), log: log)
        return encoders
    }
}

extension PackLoader {
    /// The precision `request` loads its pack at: the one it names, else the one `index` was
    /// built at (when it was built with this pack), else the pack's default.
    public func precision(_ request: PackRequest, pack: PackChoice, index: Index?) -> InferencePrecision {
        if let asked = request.precision { return asked }
        if let index, index.packName() == pack.name, let recorded = index.precision() { return recorded }
        return registry.description(of: pack.name)?.defaultPrecision ?? .f32
    }
}

extension PackChoice {
    /// True when the pack is the one the index was built with.
    public var isFromIndex: Bool {
        if case .index = reason { return true }
        return false
    }
}
