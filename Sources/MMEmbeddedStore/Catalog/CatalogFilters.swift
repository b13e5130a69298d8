import MMSearchKit
import GRDB

/// The rows a search's folder and label filters let through, read from the catalog inside the
/// search's transaction. Costs time in proportion to the matching files, not the index.
extension Catalog {
    /// The rows of the `ok` files of `space` at or below one of `paths` (absolute, standardised).
    static func rows(under paths: [String], space: Int64, rowCount: Int, in db: Database) throws -> RowSet {
        var set = RowSet(rowCount: rowCount)
        let statement = try db.cachedStatement(sql: """
            SELECT vector_row, vector_count FROM file
            WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
              AND (path = ? OR (path >= ? AND path < ?))
            """)
        for path in paths {
            let inside = FilePaths.descendantBounds(of: path)
            let rows = try Row.fetchCursor(statement, arguments: [space, path, inside.from, inside.below])
            while let row = try rows.next() {
                let first: Int = row[0]
                let count: Int = row[1]
                set.insert(Catalog.rows(first: first, count: count))
            }
        }
        return set
    }

    /// The rows of the `ok` files of `space` that carry one of `labels`. A label no file of the
    /// space carries is a usage error naming the labels there are.
    static func rows(labelled labels: [String], space: Int64, rowCount: Int, in db: Database) throws -> RowSet {
        let known = Set(try LabelTable.counts(space: space, in: db).map(\.label))
        if let error = MMSearchError.unknownLabel(among: labels, known: known) { throw error }
        var set = RowSet(rowCount: rowCount)
        let statement = try db.cachedStatement(sql: """
            SELECT f.vector_row, f.vector_count FROM label l JOIN file f ON f.id = l.file_id
            WHERE l.name = ? AND f.space_id = ? AND f.status = 'ok' AND f.vector_row IS NOT NULL
            """)
        for label in labels {
            let rows = try Row.fetchCursor(statement, arguments: [label, space])
            while let row = try rows.next() {
                let first: Int = row[0]
                let count: Int = row[1]
                set.insert(Catalog.rows(first: first, count: count))
            }
        }
        return set
    }
}
