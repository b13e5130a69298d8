import Foundation
import MMTensor

/// The model packs a program knows: their descriptions, how to load each, and which one a
/// command uses when none is named.
///
///     let registry = ModelPackRegistry([
///         .init(liteDescription) { try LitePack.load(from: $0) },
///         .init(clipDescription) { try CLIPPack.load(from: $0) },
///     ])
///     let choice = registry.choose(named: nil, modelsDirectory: models, index: index)
///     let pack = try registry.load(choice.name, modelsDirectory: models)
///
/// (`MMBuiltins`' `BuiltinPacks.registry` is the built-in packs' registry.)
public struct ModelPackRegistry: Sendable {
    /// Loads a pack from its folder; throws (for example `ModelsMissingError`, `WeightsError`)
    /// when its weights are missing or damaged.
    public typealias Loader = @Sendable (ModelPackSource) throws -> ModelPack

    public struct Entry: Sendable {
        public let description: ModelPackDescription
        public let load: Loader

        public init(_ description: ModelPackDescription, load: @escaping Loader) {
            self.description = description
            self.load = load
        }
    }

    private let entries: [Entry]

    /// The first entry of each name is kept, in the order given (the order `mmsearch models`
    /// lists them in).
    public init(_ entries: [Entry]) {
        var seen = Set<String>()
        self.entries = entries.filter { seen.insert($0.description.name).inserted }
    }

    /// Pack names in registration order.
    public var names: [String] { entries.map(\.description.name) }

    /// Every pack's description, in registration order.
    public var descriptions: [ModelPackDescription] { entries.map(\.description) }

    public func description(of name: String) -> ModelPackDescription? {
        entries.first { $0.description.name == name }?.description
    }

    /// The fallback pack: the first registered (the offline one, `lite`). A command uses it
    /// when no pack is named, there is no index and no ranked pack is present; loading it
    /// then fails with the message that says how to fetch it.
    public var defaultName: String? { entries.first?.description.name }

    /// Which pack a command uses:
    /// 1. `name` when given (`--model`);
    /// 2. else, when `index` exists, the pack it was built with (a user who indexed with one
    ///    pack and later fetched a better one keeps querying that index without naming it);
    /// 3. else the present pack (weights in `<models>/<pack>`) with the highest rank;
    /// 4. else the fallback pack (`defaultName`), whose loading then says how to fetch it.
    public func choose(named name: String?, modelsDirectory: URL, index: Index?) -> PackChoice {
        if let name { return PackChoice(name: name, reason: .named) }
        if let index, let built = index.packName(), description(of: built) != nil {
            return PackChoice(name: built, reason: .index(index.location))
        }
        let present = entries.compactMap { entry -> (name: String, rank: Int)? in
            let pack = entry.description
            guard let rank = pack.defaultRank, pack.missingFiles(in: pack.directory(in: modelsDirectory)).isEmpty else {
                return nil
            }
            return (pack.name, rank)
        }
        if let best = present.max(by: { $0.rank < $1.rank }) {
            return PackChoice(name: best.name, reason: .bestPresent)
        }
        return PackChoice(name: defaultName ?? "", reason: .fallback)
    }

    /// Loads the pack called `name`: from `directory` when given (any folder with the pack's
    /// files, such as a Hugging Face model folder), else from `<models>/<name>`.
    ///
    /// An unknown name is a usage error listing the packs there are; a folder without the
    /// pack's files is fatal, naming the first missing file and how to get it; a loader's own
    /// failure (damaged weights) is fatal and keeps the loader's message.
    public func load(_ name: String, modelsDirectory: URL, directory: URL? = nil,
                     digests: WeightsDigest = WeightsDigest(cacheDirectory: nil),
                     precision: InferencePrecision = .f32) throws -> ModelPack {
        guard let entry = entries.first(where: { $0.description.name == name }) else {
            throw MMSearchError(.usage, "unknown model pack '\(name)': available packs: "
                                + names.joined(separator: ", "), reason: .unknownPack)
        }
        let pack = entry.description
        let folder = directory ?? pack.directory(in: modelsDirectory)
        if let directory {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw MMSearchError(.usage, "\(directory.path): no such folder", reason: .modelFolder)
            }
            let missing = pack.missingFiles(in: directory)
            guard missing.isEmpty else {
                throw MMSearchError(.fatal, "\(directory.path) is not a \(name) model folder: "
                                    + "\(missing.joined(separator: ", ")) missing (it needs "
                                    + "\(pack.requiredFiles.joined(separator: ", ")))", reason: .modelFolder)
            }
        } else {
            do { try pack.requirePresent(in: folder) } catch {
                throw MMSearchError(.fatal, String(describing: error))
            }
        }
        do {
            return try entry.load(ModelPackSource(directory: folder, description: pack, isExplicit: directory != nil,
                                                  digests: digests, precision: precision))
        } catch let error as MMSearchError {
            throw error
        } catch {
            throw MMSearchError(.fatal, String(describing: error))
        }
    }
}
