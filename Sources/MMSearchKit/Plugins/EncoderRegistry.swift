import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every encoder a program uses: the model pack's built-in ones, encoders the program registers
/// itself, and plugins loaded from shared libraries, side by side in the pack's space, plus the
/// plugin libraries that could not be loaded and why.
///
///     var registry = EncoderRegistry(pack: try LitePack.load(modelsDirectory: models))
///     try registry.register(MyVideoEncoder(space: registry.space))
///     registry.loadPlugins(from: locations.pluginDirectories(explicit: ["./plugins"]))
///     let engine = Engine(pack: registry.pack, index: index)
///
/// `pack` then reads every registered file type: the indexer scans for all of them and each
/// file goes to the encoder of its extension.
public struct EncoderRegistry: Sendable {
    /// The model pack as it was given: its encoders are the host services plugins build on.
    public let builtIn: ModelPack
    /// The built-in encoders and every one registered or loaded since, in that order.
    public private(set) var pack: ModelPack
    /// Plugin libraries (or folders) that could not be used, in the order they were met.
    public private(set) var failures: [PluginLoadFailure] = []

    public init(pack: ModelPack) {
        builtIn = pack
        self.pack = pack
    }

    /// The space every encoder writes into.
    public var space: SpaceID { builtIn.space }

    /// All encoders, built-in first.
    public var encoders: [any Encoder] { pack.encoders }

    /// Adds an encoder. It must write into the pack's space and bring a modality, a name and
    /// file extensions no other encoder has; otherwise this throws a usage error saying which
    /// encoder is in the way.
    public mutating func register(_ encoder: any Encoder) throws {
        let info = encoder.info
        guard info.space == space else {
            throw MMSearchError(.usage, "encoder \(info.name) writes into \(info.space), "
                                + "not the pack's space \(space)")
        }
        for other in pack.encoders.map(\.info) {
            if other.name == info.name {
                throw MMSearchError(.usage, "an encoder named \(info.name) is already registered (\(other.origin))")
            }
            if other.modality == info.modality {
                throw MMSearchError(.usage, "\(info.name): the \(info.modality) modality is already "
                                    + "encoded by \(other.name) (\(other.origin))")
            }
            if let ext = info.fileExtensions.first(where: other.fileExtensions.contains) {
                throw MMSearchError(.usage, "\(info.name): .\(ext) files are already read by "
                                    + "\(other.name) (\(other.origin))")
            }
        }
        pack = try ModelPack(name: pack.name, space: space, encoders: pack.encoders + [encoder],
                             unavailable: pack.unavailable)
    }

    /// Loads every plugin library in `directories`, in order. A library that fails (it cannot be
    /// opened, speaks another ABI version, describes itself wrongly, clashes with an encoder
    /// already registered) is recorded in `failures` and skipped; this never throws. The same
    /// file reached twice (through a link or two folders) is loaded once.
    public mutating func loadPlugins(from directories: [PluginDirectory], log: PluginLogHandler? = nil) {
        var loaded = Set(encoders.compactMap { Self.realPath($0.info.origin) })
        for directory in directories {
            let libraries: [String]
            switch directory.libraries() {
            case .failure(let failure):
                failures.append(failure)
                continue
            case .success(let found):
                libraries = found
            }
            for path in libraries {
                guard loaded.insert(Self.realPath(path) ?? path).inserted else { continue }
                loadPlugin(at: path, log: log)
            }
        }
    }

    /// Loads one plugin library; a failure is recorded in `failures`. Returns whether it loaded.
    @discardableResult
    public mutating func loadPlugin(at path: String, log: PluginLogHandler? = nil) -> Bool {
        switch PluginLoader.load(library: path, pack: builtIn, log: log) {
        case .failure(let failure):
            failures.append(failure)
            return false
        case .success(let encoder):
            do {
                try register(encoder)
                return true
            } catch {
                let reason = (error as? MMSearchError)?.message ?? String(describing: error)
                failures.append(PluginLoadFailure(path: path, reason: reason))
                return false
            }
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard path.hasPrefix("/"), let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
