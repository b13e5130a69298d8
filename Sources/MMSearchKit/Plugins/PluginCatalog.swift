import Foundation
import GRDB

/// The catalog tables the plugin host adds, in a migration of their own:
///
///     file_encoder   (file_id → file.id, fingerprint)   which encoder made a file's vector
///     media_segment  (file_id → file.id, ordinal, start_s, end_s, vector BLOB of f32)
///
/// Both are keyed by the file's row and go with it (ON DELETE CASCADE); both are written in
/// the transaction that records the file, so a file's segments are visible exactly when its
/// vector is.
enum PluginCatalog {
    /// Registers the migration. Its name never changes once shipped; later changes add new
    /// migrations.
    static let migrationName = "plugins v1: file encoder fingerprints, media segments"

    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in
            try db.create(table: "file_encoder") { t in
                t.primaryKey("file_id", .integer).references("file", onDelete: .cascade)
                t.column("fingerprint", .text).notNull()
            }
            try db.create(table: "media_segment") { t in
                t.column("file_id", .integer).notNull().references("file", onDelete: .cascade)
                t.column("ordinal", .integer).notNull()
                t.column("start_s", .double).notNull()
                t.column("end_s", .double).notNull()
                t.column("vector", .blob).notNull()
                t.primaryKey(["file_id", "ordinal"])
            }
        }
    }

    /// Records which encoder made `outcome`'s vector and its segments, replacing what the file
    /// had; a failed file keeps neither. Runs inside the transaction that recorded the file.
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
        for (ordinal, segment) in outcome.segments.enumerated() {
            try insert.execute(arguments: [fileID, ordinal, segment.start, segment.end, blob(segment.vector)])
        }
    }

    /// The encoder fingerprint recorded for each file of `space` under `roots`, by path. Files
    /// indexed before fingerprints were recorded have none.
    static func encoderFingerprints(under roots: [String], space: Int64, in catalog: Catalog) throws -> [String: String] {
        try catalog.read { db in
            var result: [String: String] = [:]
            for root in roots {
                let prefix = FilePaths.descendantPrefix(of: root)
                let end = String(prefix.dropLast()) + "0"
                let rows = try Row.fetchAll(db, sql: """
                    SELECT f.path, e.fingerprint FROM file f JOIN file_encoder e ON e.file_id = f.id
                    WHERE f.space_id = ? AND (f.path = ? OR (f.path >= ? AND f.path < ?))
                    """, arguments: [space, root, prefix, end])
                for row in rows { result[row["path"]] = row["fingerprint"] }
            }
            return result
        }
    }

    /// The segments of the file at `path` in `space`, in time order; vectors of the wrong length
    /// (a damaged row) are left out.
    static func segments(path: String, space: Int64, dimension: Int, in db: Database) throws -> [MediaSegment] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT s.start_s, s.end_s, s.vector FROM media_segment s JOIN file f ON f.id = s.file_id
            WHERE f.space_id = ? AND f.path = ? ORDER BY s.start_s, s.ordinal
            """), arguments: [space, path])
        return rows.compactMap { row in
            let data: Data = row["vector"]
            guard data.count == dimension * MemoryLayout<Float>.size else { return nil }
            let vector = data.withUnsafeBytes { raw in
                (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            return MediaSegment(start: row["start_s"], end: row["end_s"], vector: vector)
        }
    }

    /// A vector as little-endian f32 bytes.
    private static func blob(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}

extension IndexReader {
    /// `hits` with, for each file that has segments, the segment that best matches `query`.
    public func withBestSegments(_ hits: [SearchHit], query: [Float]) throws -> [SearchHit] {
        guard !hits.isEmpty else { return hits }
        let dimension = space.dimension
        return try store.catalog.read { db in
            try hits.map { hit in
                let segments = try PluginCatalog.segments(path: hit.path, space: space.id, dimension: dimension, in: db)
                guard let best = Self.bestSegment(segments, query: query) else { return hit }
                var marked = hit
                marked.segment = best
                return marked
            }
        }
    }

    /// The segment with the highest cosine similarity to `query`; the earliest among equals.
    static func bestSegment(_ segments: [MediaSegment], query: [Float]) -> SegmentMatch? {
        var best: SegmentMatch?
        for segment in segments where segment.vector.count == query.count {
            var score: Float = 0
            for i in query.indices { score += query[i] * segment.vector[i] }
            if best.map({ score > $0.score }) ?? true {
                best = SegmentMatch(start: segment.start, end: segment.end, score: score)
            }
        }
        return best
    }
}
