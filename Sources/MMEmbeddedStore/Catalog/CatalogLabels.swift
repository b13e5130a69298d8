import MMSearchKit
import GRDB

/// The catalog's zero-shot labels (migration `labels-1`, see `CatalogSchema`):
///
///     label (file_id → file.id ON DELETE CASCADE, name, probability)   primary key (file_id, name)
///
/// `mmsearch label --all` writes them; `query --label` filters by them; hybrid search finds
/// files by them. A file's labels go when it leaves the index and when its vectors are replaced
/// (its content changed): they described the old content.
enum LabelTable {

    /// Drops the labels of file `id`; runs inside the transaction that replaces its vectors.
    static func forget(fileID id: Int64, in db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM label WHERE file_id = ?").execute(arguments: [id])
    }

    /// The labels of the file at `path` in `space`, most probable first.
    static func labels(path: String, space: Int64, in db: Database) throws -> [LabelScore] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT l.name, l.probability FROM label l JOIN file f ON f.id = l.file_id
            WHERE f.space_id = ? AND f.path = ? ORDER BY l.probability DESC, l.name
            """), arguments: [space, path])
        return rows.map { LabelScore(label: $0[0], probability: Float($0[1] as Double)) }
    }

    /// Every stored label of `space` with the number of files carrying it, by name.
    static func counts(space: Int64, in db: Database) throws -> [(label: String, files: Int)] {
        try Row.fetchAll(db, sql: """
            SELECT l.name, COUNT(*) FROM label l JOIN file f ON f.id = l.file_id
            WHERE f.space_id = ? GROUP BY l.name ORDER BY l.name
            """, arguments: [space]).map { ($0[0], $0[1]) }
    }
}

extension Catalog {
    /// Replaces the labels of each file (by id) with the given ones, in one transaction.
    func replaceLabels(_ entries: [(fileID: Int64, labels: [LabelScore])]) throws {
        guard !entries.isEmpty else { return }
        try write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO label (file_id, name, probability) VALUES (?, ?, ?)")
            for entry in entries {
                try LabelTable.forget(fileID: entry.fileID, in: db)
                for label in entry.labels {
                    try insert.execute(arguments: [entry.fileID, label.label, Double(label.probability)])
                }
            }
        }
    }

    /// Every stored label of `space` with the number of files carrying it, by name.
    static func labelCounts(space: Int64, in db: Database) throws -> [(label: String, files: Int)] {
        try LabelTable.counts(space: space, in: db)
    }
}
