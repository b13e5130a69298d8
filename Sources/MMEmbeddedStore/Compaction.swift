import MMSearchKit
import Foundation
import GRDB

/// Rewrites the vector files of an index without their dead rows (replaced, deleted and
/// never-committed vectors), optionally converting between f32 and f16.
///
/// The new vector file is written and synced beside the old one; one catalog transaction then
/// points every file at its new row and the space at the new vector file; the old files are
/// removed last. A crash at any point leaves a working index (at worst with a stray file that
/// the next compaction removes). Readers that mapped the old vector file keep using it until
/// their next search, which maps the new one.
enum IndexCompaction {
    /// Compacts every space of the index `store` (which exists); `storage` converts them too.
    static func run(_ store: EmbeddedStore, storage: VectorElementType?) throws -> [CompactedSpace] {
        let catalog = try store.writeCatalog()
        let lock = try IndexLock(directory: store.directory)
        defer { withExtendedLifetime(lock) {} }
        var report: [CompactedSpace] = []
        for space in try catalog.spaces() {
            report.append(try compact(space, in: store, catalog: catalog, storage: storage))
        }
        try removeStrayFiles(in: store, catalog: catalog)
        return report
    }

    private static func compact(_ space: SpaceRecord, in store: EmbeddedStore, catalog: Catalog,
                                storage: VectorElementType?) throws -> CompactedSpace {
        // Rows past row_count (never committed) become a tombstone first, so they go too.
        let old = try store.vectorFiles(for: space, catalog: catalog)
        _ = try catalog.reconcile(space: space.id, vectorRows: old.rowCount)
        let before = try catalog.read { db in
            try SpaceRecord.fetchOne(db, sql: "SELECT * FROM space WHERE id = ?", arguments: [space.id])
        } ?? space
        let oldType = VectorElementType(rawValue: before.elementType) ?? .f32
        let newType = storage ?? oldType
        let oldBytes = vectorFileBytes(before.vectorFile, in: store)
        let (tombstones, epoch) = try catalog.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstone WHERE space_id = ?", arguments: [space.id]) ?? 0,
             try Int.fetchOne(db, sql: "SELECT epoch FROM space WHERE id = ?", arguments: [space.id]) ?? 0)
        }
        // A vector file of format 1 (no checksums) is rewritten to get them.
        guard tombstones > 0 || newType != oldType || !old.master.header.isChecksummed else {
            return CompactedSpace(space: space.spaceID, rowsBefore: before.rowCount, rowsAfter: before.rowCount,
                                  bytesBefore: oldBytes, bytesAfter: oldBytes, storageBefore: oldType.storage ?? .f32,
                                  storageAfter: oldType.storage ?? .f32, rewritten: false)
        }

        // Copy the live rows, file by file in row order, into a new vector file.
        let files = try catalog.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, vector_row, vector_count, modality FROM file
                WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL AND vector_count > 0
                ORDER BY vector_row
                """, arguments: [space.id]).map {
                (id: $0["id"] as Int64, row: $0["vector_row"] as Int, count: $0["vector_count"] as Int,
                 modality: Modality(rawValue: $0["modality"]))
            }
        }
        let codes = try catalog.modalityCodes(for: Set(files.map(\.modality)))
        let name = EmbeddedStore.vectorFileName(space.spaceID, elementType: newType, generation: epoch + 1)
        for companion in EmbeddedStore.companionNames(of: name) {
            try? FileManager.default.removeItem(at: store.vectorsFolderURL.appendingPathComponent(companion))
        }
        // The rows to copy are verified first (checksums, finite unit vectors): the new file's
        // checksums must not vouch for damaged rows.
        try old.verify(files.map { $0.row..<($0.row + $0.count) })
        let source = try store.mapVectors(named: before.vectorFile, of: before)
        let target = try store.vectorFiles(named: name, of: space, elementType: newType, catalog: catalog)
        var moves: [(id: Int64, row: Int)] = []
        var pending: [[Float]] = []
        var tags: [UInt8] = []
        for file in files {
            moves.append((file.id, target.rowCount + pending.count))
            tags += [UInt8](repeating: codes[file.modality] ?? 0, count: file.count)
            for row in file.row..<(file.row + file.count) {
                guard let vector = source.vector(at: row) else {
                    throw MMSearchError.indexDamaged(store.location, "the catalog refers to vector row \(row) but "
                                                     + "\(source.url.lastPathComponent) has \(source.rowCount) rows")
                }
                pending.append(vector)
            }
            if pending.count >= 4096 {
                _ = try target.append(pending, tags: tags)
                pending.removeAll(keepingCapacity: true)
                tags.removeAll(keepingCapacity: true)
            }
        }
        _ = try target.append(pending, tags: tags)
        // The new file's approximate index, before the catalog points at it.
        _ = try target.updateGraph(store.graphParameters)
        POSIX.syncDirectory(store.directory.appendingPathComponent(EmbeddedStore.vectorsFolder).path)

        // Point the catalog at it in one transaction.
        let rows = target.rowCount
        try catalog.write { db in
            let update = try db.cachedStatement(sql: "UPDATE file SET vector_row = ? WHERE id = ?")
            for move in moves { try update.execute(arguments: [move.row, move.id]) }
            try db.execute(sql: "DELETE FROM tombstone WHERE space_id = ?", arguments: [space.id])
            try db.execute(sql: """
                UPDATE space SET segment = ?, element_type = ?, row_count = ?, epoch = epoch + 1 WHERE id = ?
                """, arguments: [name, newType.rawValue, rows, space.id])
        }
        for companion in EmbeddedStore.companionNames(of: before.vectorFile) {
            try? FileManager.default.removeItem(at: store.vectorsFolderURL.appendingPathComponent(companion))
        }
        return CompactedSpace(space: space.spaceID, rowsBefore: old.rowCount, rowsAfter: rows,
                              bytesBefore: oldBytes,
                              bytesAfter: vectorFileBytes(name, in: store),
                              storageBefore: oldType.storage ?? .f32, storageAfter: newType.storage ?? .f32, rewritten: true)
    }

    /// Removes files in `vectors/` that no space uses (left by a crash during compaction), and
    /// returns their names. Only names listed in that folder are removed: nothing outside it.
    @discardableResult
    static func removeStrayFiles(in store: EmbeddedStore, catalog: Catalog) throws -> [String] {
        let folder = store.vectorsFolderURL
        let stray = strayFiles(in: store, spaces: try catalog.spaces())
        for name in stray { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        return stray
    }

    /// The names in `vectors/` that belong to no space's vector file.
    static func strayFiles(in store: EmbeddedStore, spaces: [SpaceRecord]) -> [String] {
        let used = Set(spaces.flatMap { EmbeddedStore.companionNames(of: $0.vectorFile) })
        return store.vectorsFolderNames().filter { !used.contains($0) }.sorted()
    }

    /// Bytes of a vector file's files: master, int8 twin, tags and checksums.
    private static func vectorFileBytes(_ name: String, in store: EmbeddedStore) -> Int {
        EmbeddedStore.companionNames(of: name).map { fileSize(store.vectorsFolderURL.appendingPathComponent($0)) }.reduce(0, +)
    }

    private static func fileSize(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
