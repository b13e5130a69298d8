import Foundation
import GRDB
@testable import MMEmbeddedStore
import MMSearchKit
import MMTestSupport
import Testing

/// A reader that opens an index while its first writer is still creating the catalog (a
/// service's query during the first run of a watched folder) is told there is no index yet —
/// never that the index is damaged.
struct IndexBeingCreatedTests {
    func readerError(_ directory: URL) -> MMSearchError? {
        do {
            _ = try Index.embedded(at: directory).spaces()
            return nil
        } catch {
            return error as? MMSearchError
        }
    }

    @Test func aCatalogBeingCreatedIsNoIndexYet() throws {
        let scratch = try ScratchDirectory()
        let catalog = scratch.path("catalog.sqlite")
        // The moment the file exists, empty.
        try Data().write(to: catalog)
        #expect(readerError(scratch.url)?.reason == .indexMissing)
        // SQLite has written its header, no table yet.
        try FileManager.default.removeItem(at: catalog)
        let queue = try DatabaseQueue(path: catalog.path)
        try queue.write { try $0.execute(sql: "PRAGMA user_version = 0") }
        try queue.close()
        #expect(readerError(scratch.url)?.reason == .indexMissing)
        // Part of the migrations done.
        try FileManager.default.removeItem(at: catalog)
        let partial = try DatabaseQueue(path: catalog.path)
        try partial.write { try $0.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)") }
        try partial.close()
        #expect(readerError(scratch.url)?.reason == .indexMissing)
        // With vectors beside it, the same catalog is damage to report, not a creation.
        try FileManager.default.createDirectory(at: scratch.path("vectors"), withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: scratch.path("vectors/lite.f32"))
        #expect(readerError(scratch.url)?.reason == .indexNeedsUpgrade)
    }
}
