import MMSearchKit
import Foundation
import GRDB

/// The catalog tables of the encoder that made a file and of the parts under a file's one row
/// (migration `plugins v1`, see `CatalogSchema`):
///
///     file_encoder   (file_id → file.id, fingerprint)   which encoder made a file's vectors
///     media_segment  (file_id → file.id, ordinal, start_s, end_s, vector BLOB of f32)
///
/// Both are keyed by the file's row and go with it (ON DELETE CASCADE); both are written in
/// the transaction that records the file, so a file's parts are visible exactly when its
/// vector is. (The parts that are rows of their own live in `chunk`.)
enum PartTables {
    /// Records which encoder made `outcome`'s vector and the parts under its row, replacing
    /// what the file had; a failed file keeps neither. Runs inside the transaction that recorded the file.
    static func recordDetails(of outcome: FileOutcome, space: Int64, in db: Database) throws {
        guard let fileID = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM file WHERE path = ? AND space_id = ?"),
            arguments: [outcome.path, space]) else { return }
        try db.cachedStatement(sql: "DELETE FROM media_segment WHERE file_id = ?").execute(arguments: [fileID])
        guard case .success = outcome.result, let fingerprint = outcome.encoderFingerprint else {
            try db.cachedStatement(sql: "DELETE FROM file_encoder WHERE file_id = ?").execute(arguments: [fileID])
            return
        }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO file_encoder (file_id, fingerprint) VALUES (?, ?)")
            .execute(arguments: [fileID, fingerprint])
        let insert = try db.cachedStatement(sql: """
            INSERT INTO media_segment (file_id, ordinal, start_s, end_s, vector) VALUES (?, ?, ?, ?, ?)
            """)
        for (ordinal, part) in outcome.partsUnderRow.enumerated() {
            guard let time = part.time, let vector = part.vector else { continue }
            try insert.execute(arguments: [fileID, ordinal, time.start, time.end, blob(vector)])
        }
    }

    /// The encoder fingerprint recorded for each file of `space` under `roots`, by path. Files
    /// indexed before fingerprints were recorded have none.
    static func encoderFingerprints(under roots: [String], space: Int64, in catalog: Catalog) throws -> [String: String] {
        try catalog.read { db in
            var result: [String: String] = [:]
            for root in roots {
                let inside = FilePaths.descendantBounds(of: root)
                let rows = try Row.fetchAll(db, sql: """
                    SELECT f.path, e.fingerprint FROM file f JOIN file_encoder e ON e.file_id = f.id
                    WHERE f.space_id = ? AND (f.path = ? OR (f.path >= ? AND f.path < ?))
                    """, arguments: [space, root, inside.from, inside.below])
                for row in rows { result[row["path"]] = row["fingerprint"] }
            }
            return result
        }
    }

    /// The parts under the row of the file at `path` in `space`, with their vectors, in time
    /// order; vectors of the wrong length or that are not finite unit vectors (damaged) are
    /// left out.
    static func partsUnderRow(path: String, space: Int64, dimension: Int, in db: Database) throws -> [FilePart] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT s.start_s, s.end_s, s.vector FROM media_segment s JOIN file f ON f.id = s.file_id
            WHERE f.space_id = ? AND f.path = ? ORDER BY s.start_s, s.ordinal
            """), arguments: [space, path])
        return rows.enumerated().compactMap { index, row in
            let data: Data = row["vector"]
            guard data.count == dimension * MemoryLayout<Float>.size else { return nil }
            let vector = data.withUnsafeBytes { raw in
                (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            guard StoredRow.fault(vector) == nil else { return nil }
            return FilePart(index: index, time: TimeSpan(start: row["start_s"], end: row["end_s"]), vector: vector)
        }
    }

    /// A vector as little-endian f32 bytes.
    private static func blob(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
