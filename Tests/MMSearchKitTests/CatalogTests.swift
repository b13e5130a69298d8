import Foundation
import GRDB
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// The catalog's bookkeeping of rows: migration from the first schema, reconciling with the
/// segment on disk, tombstones as the readers' only source of dead rows.
@Suite struct CatalogTests {
    @Test func aFirstSchemaCatalogGetsTombstonesForRowsNoFileUses() throws {
        let temp = try TemporaryDirectory()
        let url = temp.sub("catalog.sqlite")
        do {
            let pool = try DatabasePool(path: url.path)
            try CatalogSchema.migrator.migrate(pool, upTo: "v1: spaces, files, meta")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO space (id, name, dimension, fingerprint, element_type, segment, created_at)
                    VALUES (1, 'lite', 4, 'fp', 'f32', 'lite-4-fp.f32', 0)
                    """)
                for (path, row, status) in [("/a", 0, "ok"), ("/b", 2, "ok"), ("/c", 5, "ok"), ("/d", -1, "failed")] {
                    try db.execute(sql: """
                        INSERT INTO file (path, space_id, size, mtime_ns, modality, vector_row, status, indexed_at)
                        VALUES (?, 1, 1, 1, 'image', ?, ?, 0)
                        """, arguments: [path, row < 0 ? nil : row, status])
                }
            }
        }
        let catalog = try Catalog(url: url, readOnly: false)
        #expect(try catalog.schemaVersion() == CatalogSchema.version)
        let state = try #require(try catalog.read { try Catalog.spaceState(1, tombstonesAfter: 0, in: $0) })
        #expect(state.rowCount == 6)
        #expect(state.tombstones.map(\.rows) == [1..<2, 3..<5])
        #expect(try catalog.file(path: "/c", space: 1)?.vectorCount == 1)
        #expect(try catalog.file(path: "/c", space: 1)?.contentHash == nil)
    }

    @Test func rowsLeftByACrashBecomeATombstoneAndLostRowsAreReembedded() throws {
        let f = try Fixture()
        for name in ["a", "b", "c"] { try f.photo("\(name).jpg", name) }
        _ = try f.index()
        let store = try StoreInternals(f.indexDirectory)
        let space = try #require(try store.space(matching: f.pack.space))
        // Rows appended, never committed.
        do {
            let writer = try store.vectorFiles(for: space)
            _ = try writer.append([hashVector([1], dimension: 24), hashVector([2], dimension: 24)], tags: [1, 1])
        }
        #expect(try store.catalog.reconcile(space: space.id, vectorRows: 5) == 0)
        let state = try #require(try store.catalog.read { try Catalog.spaceState(space.id, tombstonesAfter: 0, in: $0) })
        #expect(state.rowCount == 5 && state.tombstones.map(\.rows) == [3..<5])
        #expect(try f.rowsAddUp())
        // A vector file shorter than the catalog: the file past its end (photos are embedded in
        // parallel, so whichever got row 2) lost its vector.
        var lost: [String] = []
        for name in ["a", "b", "c"] {
            let path = f.photos.path + "/\(name).jpg"
            if let row = try store.catalog.file(path: path, space: space.id)?.vectorRow, row >= 2 { lost.append(path) }
        }
        #expect(lost.count == 1)
        #expect(try store.catalog.reconcile(space: space.id, vectorRows: 2) == 1)
        let after = try #require(try store.catalog.read { try Catalog.spaceState(space.id, tombstonesAfter: 0, in: $0) })
        #expect(after.rowCount == 2 && after.tombstones.isEmpty && after.epoch == state.epoch + 1)
        #expect(try store.catalog.failures(space: space.id).map(\.path) == lost)
        #expect(try f.rowsAddUp())
    }

    @Test func liveRowsComeFromTheRowCountAndTombstonesAlone() {
        var live = LiveRows()
        live.update(rowCount: 130, tombstones: [Tombstone(seq: 1, rows: 0..<2), Tombstone(seq: 4, rows: 64..<66)])
        #expect(live.liveCount == 126 && live.lastSeq == 4)
        #expect(!live.isLive(0) && !live.isLive(1) && live.isLive(2) && live.isLive(63))
        #expect(!live.isLive(64) && !live.isLive(65) && live.isLive(66) && live.isLive(129))
        #expect(!live.isLive(130) && !live.isLive(-1))
        // Growing keeps what was known; a tombstone seen twice counts once.
        live.update(rowCount: 200, tombstones: [Tombstone(seq: 5, rows: 1..<3), Tombstone(seq: 6, rows: 190..<250)])
        #expect(live.rowCount == 200 && live.liveCount == 200 - 4 - 1 - 10)
        #expect(!live.isLive(2) && live.isLive(189) && !live.isLive(199))
    }

    @Test func aReaderOpensWithoutReadingTheFileRecords() throws {
        // 20 000 file records in the catalog (inserted in SQL). The reader's open reads the
        // space row and tombstones only: it opens with the file table out of reach, and a
        // search then reads one record per hit.
        let temp = try TemporaryDirectory()
        let directory = temp.sub("index")
        let space = SpaceID(name: "big", dimension: 8, fingerprint: "b1g")
        let count = 20_000
        do {
            let importer = try VectorImporter(index: .embedded(at: directory), space: space)
            try importer.add([(path: "/seed", vector: hashVector([0], dimension: 8))], modality: .image)
        }
        let store = try StoreInternals(directory)
        let record = try #require(try store.space(matching: space))
        let writer = try store.vectorFiles(for: record)
        var vectors: [[Float]] = []
        for i in 1..<count { vectors.append(hashVector(Array("v\(i)".utf8), dimension: 8)) }
        _ = try writer.append(vectors, tags: [UInt8](repeating: 1, count: vectors.count))
        try store.catalog.write { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO file (path, space_id, size, mtime_ns, modality, vector_row, vector_count, status, indexed_at)
                SELECT '/f' || i, ?, 0, 0, 'image', i, 1, 'ok', 0 FROM n
                """, arguments: [count - 1, record.id])
            try Catalog.setRowCount(count, space: record.id, in: db)
        }
        try store.catalog.write { try $0.execute(sql: "ALTER TABLE file RENAME TO file_out_of_reach") }
        let reader = try Index.embedded(at: directory).reader(for: space)
        try store.catalog.write { try $0.execute(sql: "ALTER TABLE file_out_of_reach RENAME TO file") }
        let hits = try reader.search(hashVector(Array("v4242".utf8), dimension: 8), limit: 3)
        #expect(hits.first?.path == "/f4242")
    }
}
