import MMSearchKit
import Foundation
import GRDB

/// Where a file's vectors went: a run of vector-file rows, and for a file searched by its parts
/// (text chunks, transcript passages) those parts, one per row, in order.
struct StoredRows: Sendable, Equatable {
    let rows: Range<Int>
    let chunks: [FilePart]
}

/// The outcome of indexing one file, as the catalog records it.
struct FileOutcome: Sendable {
    let path: String
    let size: Int64
    let mtimeNs: Int64
    let modality: Modality
    let contentHash: UInt64?
    /// `.success(rows)` or `.failure(reason)`.
    let result: Result<StoredRows, FailureReason>
    /// The fingerprint of the encoder that made the vectors (see `EncoderInfo.fingerprint`).
    var encoderFingerprint: String? = nil
    /// The parts under the file's one row (a video's frames), with their vectors.
    var partsUnderRow: [FilePart] = []
    /// The encoder's note about the file (`FileNote`).
    var note: FileNote? = nil
    /// For an image: what its EXIF said (see `PhotoTable`).
    var photo: PhotoMetadata? = nil
}

/// The writes an index run makes. Each one is one transaction that keeps the space's row
/// invariant: every vector-file row below `space.row_count` belongs to exactly one `ok` file's
/// range or to one tombstone.
extension Catalog {
    /// Brings the catalog in line with the vector file the writer found on disk (`vectorRows`
    /// rows). Rows past `row_count` (appended before a crash, never committed) become a
    /// tombstone. A vector file shorter than `row_count` (deleted or replaced) means vectors were
    /// lost: their files are marked failed so the run embeds them again. Returns how many
    /// files lost their vectors.
    func reconcile(space: Int64, vectorRows: Int) throws -> Int {
        try write { db in
            let committed = try Int.fetchOne(db, sql: "SELECT row_count FROM space WHERE id = ?",
                                             arguments: [space]) ?? 0
            var lost = 0
            if vectorRows > committed {
                try Self.tombstone(committed..<vectorRows, space: space, in: db)
            } else if vectorRows < committed {
                try db.execute(sql: """
                    UPDATE file SET status = 'failed', vector_row = NULL, vector_count = 0,
                      error = 'its vector was lost from the vector file; index it again'
                    WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
                      AND vector_row + vector_count > ?
                    """, arguments: [space, vectorRows])
                lost = db.changesCount
                try db.execute(sql: "DELETE FROM tombstone WHERE space_id = ? AND first_row >= ?",
                               arguments: [space, vectorRows])
                try db.execute(sql: """
                    UPDATE tombstone SET row_count = ? - first_row
                    WHERE space_id = ? AND first_row + row_count > ?
                    """, arguments: [vectorRows, space, vectorRows])
                try db.execute(sql: "UPDATE space SET epoch = epoch + 1 WHERE id = ?", arguments: [space])
            }
            if vectorRows != committed {
                try Self.setRowCount(vectorRows, space: space, in: db)
            }
            return lost
        }
    }

    /// Records outcomes in one transaction: a file seen again replaces its old record, and the
    /// rows of its old vectors become a tombstone. `rowCount` is the vector file's row count after
    /// the rows the outcomes refer to were appended.
    func record(_ outcomes: [FileOutcome], space: Int64, rowCount: Int) throws {
        guard !outcomes.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try write { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO file (path, space_id, size, mtime_ns, modality, vector_row, vector_count,
                                  content_hash, status, error, indexed_at, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (path, space_id) DO UPDATE SET
                  size = excluded.size, mtime_ns = excluded.mtime_ns,
                  modality = excluded.modality, vector_row = excluded.vector_row,
                  vector_count = excluded.vector_count, content_hash = excluded.content_hash,
                  status = excluded.status, error = excluded.error,
                  indexed_at = excluded.indexed_at, note = excluded.note
                """)
            let addChunk = try db.cachedStatement(sql: """
                INSERT INTO chunk (file_id, idx, byte_start, byte_end, text, start_s, end_s,
                                   region_x, region_y, region_width, region_height)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for outcome in outcomes {
                if let old = try Self.record(path: outcome.path, space: space, in: db) {
                    try Self.retire(old, in: db)
                }
                var row: Int64?
                var count = 0
                let status: FileStatus
                let error: String?
                var chunks: [FilePart] = []
                switch outcome.result {
                case .success(let stored):
                    row = stored.rows.isEmpty ? nil : Int64(stored.rows.lowerBound)
                    count = stored.rows.count
                    chunks = stored.chunks
                    (status, error) = (.ok, nil)
                case .failure(let reason):
                    (status, error) = (.failed, reason.text)
                }
                try upsert.execute(arguments: [
                    outcome.path, space, outcome.size, outcome.mtimeNs, outcome.modality,
                    row, count, outcome.contentHash.map { Int64(bitPattern: $0) }, status, error, now,
                    status == .ok ? outcome.note.map(String.init(describing:)) : nil,
                ])
                let id = chunks.isEmpty && outcome.photo == nil ? nil
                    : try Self.record(path: outcome.path, space: space, in: db)?.id
                if status == .ok, let id, let photo = outcome.photo {
                    try PhotoTable.record(photo, fileID: id, in: db)
                }
                if !chunks.isEmpty, let id {
                    for chunk in chunks {
                        try addChunk.execute(arguments: [id, chunk.index, chunk.bytes?.lowerBound ?? 0,
                                                         chunk.bytes?.upperBound ?? 0, chunk.text ?? "",
                                                         chunk.time?.start, chunk.time?.end,
                                                         chunk.region?.x, chunk.region?.y,
                                                         chunk.region?.width, chunk.region?.height])
                    }
                }
                try PartTables.recordDetails(of: outcome, space: space, in: db)
            }
            try Self.setRowCount(rowCount, space: space, in: db)
        }
    }

    /// Gives each record `id` (with its vectors and chunks) the name `path`: the file was
    /// moved. A record already at `path` is replaced. One transaction.
    func move(_ moves: [(id: Int64, file: ScannedFile)], space: Int64) throws {
        guard !moves.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try write { db in
            for move in moves {
                if let old = try Self.record(path: move.file.path, space: space, in: db), old.id != move.id {
                    try Self.retire(old, in: db)
                    try db.execute(sql: "DELETE FROM file WHERE id = ?", arguments: [old.id])
                }
                try db.execute(sql: """
                    UPDATE file SET path = ?, size = ?, mtime_ns = ?, indexed_at = ? WHERE id = ?
                    """, arguments: [move.file.path, move.file.size, move.file.mtimeNs, now, move.id])
            }
        }
    }

    /// Notes the new size or modification time of files whose content did not change, and
    /// that their records vouch for it as of now (see `Indexer.racyWindow`).
    func touch(_ touches: [(id: Int64, file: ScannedFile)]) throws {
        guard !touches.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try write { db in
            let update = try db.cachedStatement(sql: "UPDATE file SET size = ?, mtime_ns = ?, indexed_at = ? WHERE id = ?")
            for touch in touches { try update.execute(arguments: [touch.file.size, touch.file.mtimeNs, now, touch.id]) }
        }
    }

    /// Forgets the given files of `space`; their rows become tombstones.
    func remove(paths: [String], space: Int64) throws {
        guard !paths.isEmpty else { return }
        try write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM file WHERE id = ?")
            for path in paths {
                guard let old = try Self.record(path: path, space: space, in: db) else { continue }
                try Self.retire(old, in: db)
                try delete.execute(arguments: [old.id])
            }
        }
    }

    /// An `ok` file of `space` with this content hash, size and modality, made by the encoder
    /// with fingerprint `encoder` (or recorded without one), whose vectors can be reused for
    /// another file with the same bytes.
    func reusable(hash: UInt64, size: Int64, modality: Modality, encoder: String, space: Int64) throws -> FileRecord? {
        try read { db in
            try FileRecord.fetchOne(db, sql: """
                SELECT f.* FROM file f LEFT JOIN file_encoder e ON e.file_id = f.id
                WHERE f.space_id = ? AND f.content_hash = ? AND f.size = ? AND f.modality = ?
                  AND f.status = 'ok' AND (e.fingerprint IS NULL OR e.fingerprint = ?)
                ORDER BY f.id LIMIT 1
                """, arguments: [space, Int64(bitPattern: hash), size, modality, encoder])
        }
    }

    // MARK: Helpers inside a transaction

    static func record(path: String, space: Int64, in db: Database) throws -> FileRecord? {
        try FileRecord.fetchOne(db, sql: "SELECT * FROM file WHERE space_id = ? AND path = ?",
                                arguments: [space, path])
    }

    /// Turns the rows of `record` into a tombstone and drops its chunks, labels and photo details
    /// (they were about the content it had).
    static func retire(_ record: FileRecord, in db: Database) throws {
        if record.status == .ok, let first = record.vectorRow, record.vectorCount > 0 {
            try tombstone(rows(first: Int(first), count: record.vectorCount), space: record.spaceID, in: db)
        }
        try db.execute(sql: "DELETE FROM chunk WHERE file_id = ?", arguments: [record.id])
        try LabelTable.forget(fileID: record.id, in: db)
        try PhotoTable.forget(fileID: record.id, in: db)
    }

    static func tombstone(_ rows: Range<Int>, space: Int64, in db: Database) throws {
        guard !rows.isEmpty else { return }
        try db.execute(sql: "INSERT INTO tombstone (space_id, first_row, row_count) VALUES (?, ?, ?)",
                       arguments: [space, rows.lowerBound, rows.count])
    }

    static func setRowCount(_ rows: Int, space: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE space SET row_count = ? WHERE id = ?", arguments: [rows, space])
    }
}
