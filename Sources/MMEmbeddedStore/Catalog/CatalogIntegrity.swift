import MMSearchKit
import Foundation
import GRDB

/// An `ok` file's rows, as the catalog records them.
struct OwnedRows: Sendable, Equatable {
    let fileID: Int64
    let path: String
    let modality: Modality
    let rows: Range<Int>
}

/// The catalog's side of `check` and `repair` (`IndexCheck`, `IndexRepair`): what the rows,
/// dead ranges, parts and keyword index should be, read in the caller's transaction, and the
/// writes that put them right.
extension Catalog {
    /// The rows of every `ok` file of `space` that has some, in row order.
    static func ownedRows(space: Int64, in db: Database) throws -> [OwnedRows] {
        try Row.fetchAll(db, sql: """
            SELECT id, path, modality, vector_row, vector_count FROM file
            WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL AND vector_count > 0
            ORDER BY vector_row, id
            """, arguments: [space]).map { row in
            let first: Int = row[3]
            let count: Int = row[4]
            return OwnedRows(fileID: row[0], path: row[1], modality: Modality(rawValue: row[2]),
                             rows: Catalog.rows(first: first, count: count))
        }
    }

    /// The dead-row ranges of `space`, in the order they were written.
    static func tombstoneRanges(space: Int64, in db: Database) throws -> [Range<Int>] {
        try Row.fetchAll(db, sql: "SELECT first_row, row_count FROM tombstone WHERE space_id = ? ORDER BY seq",
                         arguments: [space]).map { row in
            let first: Int = row[0]
            let count: Int = row[1]
            return Catalog.rows(first: first, count: count)
        }
    }

    /// Replaces the dead-row ranges of `space` with `dead` and sets its committed row count;
    /// readers start afresh (new epoch), since rows may have come alive.
    static func replaceTombstones(_ dead: [Range<Int>], rowCount: Int, space: Int64, in db: Database) throws {
        try db.execute(sql: "DELETE FROM tombstone WHERE space_id = ?", arguments: [space])
        for range in dead { try tombstone(range, space: space, in: db) }
        try setRowCount(rowCount, space: space, in: db)
        try bumpEpoch(space: space, in: db)
    }

    /// Readers of `space` forget what they mapped and read it afresh.
    static func bumpEpoch(space: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE space SET epoch = epoch + 1 WHERE id = ?", arguments: [space])
    }

    /// Marks the files `ids` failed with `reason`: their rows become dead and their chunks,
    /// labels, parts under the row and encoder fingerprint go, as for a file whose embedding
    /// failed; the next index run embeds them again.
    static func markFailed(_ ids: [Int64], reason: String, in db: Database) throws {
        for id in ids {
            guard let record = try FileRecord.fetchOne(db, sql: "SELECT * FROM file WHERE id = ?", arguments: [id]) else { continue }
            try retire(record, in: db)
            try db.execute(sql: """
                UPDATE file SET status = 'failed', vector_row = NULL, vector_count = 0, error = ?, note = NULL
                WHERE id = ?
                """, arguments: [reason, id])
            try db.execute(sql: "DELETE FROM media_segment WHERE file_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM file_encoder WHERE file_id = ?", arguments: [id])
        }
    }

    /// Points `space` at the vector file `name` (and records its layout).
    static func setVectorFile(_ name: String, elementType: VectorElementType, dimension: Int, space: Int64,
                              in db: Database) throws {
        try db.execute(sql: "UPDATE space SET segment = ?, element_type = ?, dimension = ? WHERE id = ?",
                       arguments: [name, elementType.rawValue, dimension, space])
        try bumpEpoch(space: space, in: db)
    }

    /// `ok` files of `space` whose record of rows makes no sense (a first row without rows, or
    /// rows without a first row, or a negative first row): (id, path).
    static func filesWithBadRowRecords(space: Int64, in db: Database) throws -> [(id: Int64, path: String)] {
        try Row.fetchAll(db, sql: """
            SELECT id, path FROM file WHERE space_id = ? AND status = 'ok'
              AND ((vector_row IS NOT NULL AND (vector_count <= 0 OR vector_row < 0))
                   OR (vector_row IS NULL AND vector_count != 0))
            ORDER BY path
            """, arguments: [space]).map { ($0[0], $0[1]) }
    }

    /// Files of `space` whose chunks are not one per row, numbered from 0: (id, path).
    static func filesWithMismatchedChunks(space: Int64, in db: Database) throws -> [(id: Int64, path: String)] {
        try Row.fetchAll(db, sql: """
            SELECT f.id, f.path FROM file f JOIN
                (SELECT file_id, COUNT(*) AS n, MIN(idx) AS low, MAX(idx) AS high FROM chunk GROUP BY file_id) c
                ON c.file_id = f.id
            WHERE f.space_id = ? AND f.status = 'ok'
              AND (c.n != f.vector_count OR c.low != 0 OR c.high != f.vector_count - 1)
            ORDER BY f.path
            """, arguments: [space]).map { ($0[0], $0[1]) }
    }

    /// Files of `space` with a part under their row whose vector is not a finite unit vector of
    /// the space's dimension: (id, path).
    static func filesWithDamagedParts(space: Int64, dimension: Int, in db: Database) throws -> [(id: Int64, path: String)] {
        var damaged: [(id: Int64, path: String)] = []
        var last: Int64?
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT f.id, f.path, s.vector FROM media_segment s JOIN file f ON f.id = s.file_id
            WHERE f.space_id = ? AND f.status = 'ok' ORDER BY f.path, s.ordinal
            """, arguments: [space])
        while let row = try cursor.next() {
            let id: Int64 = row[0]
            guard id != last else { continue }
            let data: Data = row[2]
            var sound = data.count == dimension * 4
            if sound {
                let vector = data.withUnsafeBytes { raw in
                    (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
                }
                sound = StoredRow.fault(vector) == nil
            }
            if !sound {
                damaged.append((id, row[1]))
                last = id
            }
        }
        return damaged
    }

    /// The keyword index as the file, chunk and label tables say it should be (the rows the
    /// triggers write).
    private static let expectedKeywordRows: String = {
        let parts = TextSearchIndex.partsPerFile
        return """
            SELECT f.id * \(parts) AS rowid, \(TextSearchIndex.pathWordsFunction)(f.path) AS path,
                   COALESCE((SELECT group_concat(name, ' ') FROM label WHERE file_id = f.id), '') AS labels, '' AS body
            FROM file f WHERE f.status = 'ok'
            UNION ALL
            SELECT c.file_id * \(parts) + c.idx + 1, '', '', c.text FROM chunk c WHERE c.idx < \(parts - 1)
            """
    }()

    /// How many rows of the keyword index are missing or wrong, and how many are there that
    /// should not be.
    static func keywordIndexDifferences(in db: Database) throws -> (missing: Int, extra: Int) {
        let actual = "SELECT rowid, path, labels, body FROM text_search"
        let expected = "SELECT * FROM (\(expectedKeywordRows))"
        let missing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(expected) EXCEPT \(actual))") ?? 0
        let extra = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(actual) EXCEPT \(expected))") ?? 0
        return (missing, extra)
    }

    /// Writes the keyword index afresh from the file, chunk and label tables.
    static func rebuildKeywordIndex(in db: Database) throws {
        try db.execute(sql: "DELETE FROM text_search")
        try db.execute(sql: "INSERT INTO text_search (rowid, path, labels, body) \(expectedKeywordRows)")
        try db.execute(sql: "INSERT INTO text_search (text_search) VALUES ('rebuild')")
    }

    /// What SQLite's own check of the catalog's pages finds; empty when it is sound.
    static func sqliteProblems(in db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }
    }
}
