import Foundation
import GRDB
import MMSearchKit

// How catalog rows become the storage protocol's records.

extension SpaceRecord: FetchableRecord {
    /// A `space` row.
    public init(row: Row) throws {
        self.init(id: row["id"], name: row["name"], dimension: row["dimension"], fingerprint: row["fingerprint"],
                  elementType: row["element_type"], vectorFile: row["segment"], createdAt: row["created_at"],
                  rowCount: row["row_count"])
    }
}

extension FileRecord: FetchableRecord {
    /// A `file` row.
    public init(row: Row) throws {
        self.init(id: row["id"], path: row["path"], spaceID: row["space_id"], size: row["size"],
                  mtimeNs: row["mtime_ns"], modality: Modality(rawValue: row["modality"]),
                  vectorRow: row["vector_row"], vectorCount: row["vector_count"], contentHash: row["content_hash"],
                  status: FileStatus(rawValue: row["status"]) ?? .failed, error: row["error"],
                  indexedAt: row["indexed_at"], note: row["note"])
    }
}

extension Catalog {
    /// More rows than any vector file holds (2⁴⁰): the most a row range read from the
    /// catalog may reach.
    static let rowLimit = 1 << 40

    /// `count` rows from `first`, as the catalog records a file's rows or a dead range, made
    /// safe whatever a damaged catalog says: negative values count as 0 and huge ones are
    /// capped, so no arithmetic on them traps.
    static func rows(first: Int, count: Int) -> Range<Int> {
        let lower = min(max(0, first), rowLimit)
        return lower..<(lower + min(max(0, count), rowLimit))
    }

    /// The number of files with vectors of each modality in `space`, by modality name.
    static func modalityCounts(space: Int64, in db: Database) throws -> [(modality: Modality, files: Int)] {
        try Row.fetchAll(db, sql: """
            SELECT modality, COUNT(*) FROM file
            WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
            GROUP BY modality ORDER BY modality
            """, arguments: [space]).map { (Modality(rawValue: $0[0]), $0[1]) }
    }
}

extension FileStatus: DatabaseValueConvertible {}
extension Modality: DatabaseValueConvertible {}
