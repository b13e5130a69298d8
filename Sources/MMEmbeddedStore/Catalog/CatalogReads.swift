import MMSearchKit
import Foundation
import GRDB

/// A tombstone: rows of a vector file no file refers to any more.
struct Tombstone: Sendable, Equatable {
    /// Increases with every tombstone of an index: a reader asks only for those it has not seen.
    let seq: Int64
    let rows: Range<Int>
}

/// What a reader needs to know about a space at one moment: which vector file, how many rows are
/// committed, and the tombstones it has not seen yet.
struct SpaceState: Sendable {
    let vectorFile: String
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
        let space = try db.cachedStatement(sql: "SELECT segment, epoch, element_type, row_count FROM space WHERE id = ?")
        guard let row = try Row.fetchOne(space, arguments: [id]) else { return nil }
        let query = try db.cachedStatement(sql: """
            SELECT seq, first_row, row_count FROM tombstone WHERE space_id = ? AND seq > ? ORDER BY seq
            """)
        let tombstones = try Row.fetchAll(query, arguments: [id, seq]).map { t -> Tombstone in
            let first: Int = t[1]
            let count: Int = t[2]
            return Tombstone(seq: t[0], rows: Catalog.rows(first: first, count: count))
        }
        return SpaceState(vectorFile: row[0], epoch: row[1], elementType: row[2], rowCount: row[3],
                          tombstones: tombstones)
    }

    /// The `ok` file whose rows contain `row` (path and modality), with the chunk at that row
    /// for a text file. One indexed lookup, a prepared statement: a search makes one per hit.
    static func owner(ofRow row: Int, space: Int64, in db: Database) throws
        -> (fileID: Int64, path: String, modality: Modality, part: FilePart?, mtimeNs: Int64, photo: PhotoMetadata?)? {
        let statement = try db.cachedStatement(sql: """
            SELECT f.path, f.modality, f.vector_row, f.vector_count, c.byte_start, c.byte_end, c.text,
                   c.start_s, c.end_s, f.id, c.idx, f.mtime_ns, p.file_id, \(PhotoColumns.list(of: "p")),
                   c.region_x, c.region_y, c.region_width, c.region_height
            FROM (SELECT id, path, modality, vector_row, vector_count, mtime_ns FROM file
                  WHERE space_id = ? AND status = 'ok' AND vector_row <= ? AND vector_row IS NOT NULL
                  ORDER BY vector_row DESC LIMIT 1) AS f
            LEFT JOIN chunk AS c ON c.file_id = f.id AND c.idx = ? - f.vector_row
            LEFT JOIN photo AS p ON p.file_id = f.id
            """)
        guard let found = try Row.fetchOne(statement, arguments: [space, row, row]) else { return nil }
        let first: Int = found[2]
        let count: Int = found[3]
        guard Catalog.rows(first: first, count: count).contains(row) else { return nil }
        // An image's own row among the rows of its text is the whole file: no part.
        let part = (found[10] as Int?) == nil ? nil : Optional(chunk(found)).flatMap { $0.isWholeFile ? nil : $0 }
        // A LEFT JOIN that found no photo row: never read (not an image).
        let photo = (found[12] as Int64?) == nil ? nil : PhotoTable.metadata(found, from: 13)
        return (found[9], found[0], Modality(rawValue: found[1]), part, found[11], photo)
    }

    /// Number of `ok` files of `space` that have vectors.
    static func searchableFiles(space: Int64, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM file WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
            """, arguments: [space]) ?? 0
    }
}
