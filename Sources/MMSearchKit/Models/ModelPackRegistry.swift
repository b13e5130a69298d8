import Foundation

/// The model packs a program knows, by name, and how to load each from a models directory.
public struct ModelPackRegistry: Sendable {
    /// Loads a pack from the models directory; throws (for example `ModelsMissingError`)
    /// when its weights are not there.
    public typealias Loader = @Sendable (_ modelsDirectory: URL) throws -> ModelPack

    private let loaders: [String: Loader]
    /// Pack names in the order they were registered; the first is the default.
    public let names: [String]

    public init(_ packs: [(name: String, load: Loader)]) {
        var loaders: [String: Loader] = [:]
        var names: [String] = []
        for (name, load) in packs where loaders[name] == nil {
            loaders[name] = load
            names.append(name)
        }
        self.loaders = loaders
        self.names = names
    }

    /// The default pack's name.
    public var defaultName: String? { names.first }

    /// Loads the pack called `name` (the default when nil).
    ///
    /// An unknown name is a usage error listing the packs there are; a loader's failure
    /// (weights missing, unreadable) is fatal and keeps the loader's own message.
    public func load(_ name: String?, modelsDirectory: URL) throws -> ModelPack {
        guard let name = name ?? defaultName else {
            throw MMSearchError(.fatal, "no model packs are built in")
        }
        guard let load = loaders[name] else {
            throw MMSearchError(.usage, "unknown model pack '\(name)': available packs: "
                                + names.joined(separator: ", "))
        }
        do {
            return try load(modelsDirectory)
        } catch let error as MMSearchError {
            throw error
        } catch {
            throw MMSearchError(.fatal, String(describing: error))
        }
    }
}
