import Foundation
import MMCLAP
import MMCLIP
import MMSearchKit

/// The model packs built into mmsearch, in the order `mmsearch models` lists them: their
/// descriptions are the table `packs.json` (shared with `Scripts/fetch/models.py`), their
/// loaders are code.
public enum BuiltinPacks {
    /// The table of packs; an error when the program's resources are missing or damaged.
    public static let table: Result<[ModelPackDescription], MMSearchError> = Result {
        try ModelPackDescription.Table.read(PackageResource("packs.json", module: "MMBuiltins").url()).packs
    }.mapError { error in
        error as? MMSearchError ?? MMSearchError(.fatal, String(describing: error))
    }

    /// The loader of each built-in pack, by name.
    static let loaders: [String: ModelPackRegistry.Loader] = [
        LitePack.name: { try LitePack.load(from: $0) },
        CLIPPack.name: { try CLIPPack.load(from: $0) },
        ClapPack.name: { try ClapPack.load(from: $0) },
    ]

    /// Every built-in pack the table lists and this program can load (empty when the table
    /// cannot be read: `table` says why).
    public static let registry = ModelPackRegistry(((try? table.get()) ?? []).compactMap { description in
        loaders[description.name].map { ModelPackRegistry.Entry(description, load: $0) }
    })

    /// The table's description of `name`; an error when the table cannot be read or lacks it.
    public static func description(of name: String) throws -> ModelPackDescription {
        guard let found = try table.get().first(where: { $0.name == name }) else {
            throw MMSearchError(.fatal, "the table of packs has no '\(name)'", reason: .unknownPack)
        }
        return found
    }
}
