import Foundation
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// The embedded store's catalog and vector files, for tests of its bookkeeping (rows,
/// tombstones, migrations) below the storage protocol.
struct StoreInternals {
    let store: EmbeddedStore
    let catalog: Catalog

    /// Opens (creating when needed) the catalog of the embedded index in `directory`.
    init(_ directory: URL) throws {
        store = EmbeddedStore(directory: directory)
        catalog = try store.writeCatalog()
    }

    /// The recorded space equal to `space`, if any.
    func space(matching space: SpaceID) throws -> SpaceRecord? {
        try SpaceRecord.matching(space, in: catalog.spaces(), active: catalog.setting(.activeSpace), besideOthers: false)
    }

    /// The vector files of `space`, opened for appending.
    func vectorFiles(for space: SpaceRecord) throws -> SpaceVectorFiles {
        try store.vectorFiles(for: space, catalog: catalog)
    }
}
