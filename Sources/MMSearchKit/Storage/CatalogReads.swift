import Foundation
import GRDB

/// A tombstone: rows of a segment no file refers to any more.
struct Tombstone: Sendable, Equatable {
    /// Increases with every tombstone of an index: a reader asks only for those it has not seen.
    let seq: Int64
    let rows: Range<Int>
}

/// What a reader needs to know about a space at one moment: which segment, how many rows are
/// committed, and the tombstones it has not seen yet.
struct SpaceState: Sendable {
    let segment: String
    /// Changes when rows were renumbered or lost: what a reader knew no longer holds.
    let epoch: Int64
    let elementType: String
    let rowCount: Int
    let tombstones: [Tombstone]
}

/// The reads of a search, each inside the caller's transaction so that one search sees one
/// snapshot of the catalog.
extension Catalog {
    /// The state of space `id` with the tombstones after `seq`; nil when the space is gone.
    static func spaceState(_ id: Int64, tombstonesAfter seq: Int64, in db: Database) throws -> SpaceState? {
        guard let row = try Row.fetchOne(db, sql: "SELECT segment, epoch, element_type, row_count FROM space WHERE id = ?",
                                         arguments: [id]) else { return nil }
        let tombstones = try Row.fetchAll(db, sql: """
            SELECT seq, first_row, row_count FROM tombstone WHERE space_id = ? AND seq > ? ORDER BY seq
            """, arguments: [id, seq]).map { t -> Tombstone in
            let first: Int = t["first_row"]
            let count: Int = t["row_count"]
            return Tombstone(seq: t["seq"], rows: first..<(first + max(0, count)))
        }
        return SpaceState(segment: row["segment"], epoch: row["epoch"], elementType: row["element_type"],
                          rowCount: row["row_count"], tombstones: tombstones)
    }

    /// The `ok` file whose rows contain `row`, with the chunk at that row for a text file.
    static func owner(ofRow row: Int, space: Int64, in db: Database) throws -> (FileRecord, TextChunk?)? {
        guard let file = try FileRecord.fetchOne(db, sql: """
            SELECT * FROM file
            WHERE space_id = ? AND status = 'ok' AND vector_row <= ? AND vector_row IS NOT NULL
            ORDER BY vector_row DESC LIMIT 1
            """, arguments: [space, row]),
            let first = file.vectorRow, row < Int(first) + file.vectorCount else { return nil }
        let index = row - Int(first)
        let chunk = try Row.fetchOne(db, sql: """
            SELECT byte_start, byte_end, text FROM chunk WHERE file_id = ? AND idx = ?
            """, arguments: [file.id, index]).map { c -> TextChunk in
            let start: Int = c["byte_start"]
            let end: Int = c["byte_end"]
            return TextChunk(index: index, byteRange: start..<max(start, end), text: c["text"])
        }
        return (file, chunk)
    }

    /// Number of `ok` files of `space` that have vectors.
    static func searchableFiles(space: Int64, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM file WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
            """, arguments: [space]) ?? 0
    }
}
