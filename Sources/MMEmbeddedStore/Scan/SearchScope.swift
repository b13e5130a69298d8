import MMSearchKit
import GRDB

/// What a search's filters let through, read from the catalog in the search's transaction:
/// modality codes (checked against each row's tag) and the rows of the folder, label and photo
/// (date, camera, position) filters.
struct SearchScope: Sendable {
    /// Indexed by modality code; nil when every modality is wanted.
    let allowed: [Bool]?
    /// The rows of the folder, label and photo filters (all that are given); nil for all.
    let rows: RowSet?

    init(_ options: SearchOptions, space: Int64, rowCount: Int, in db: Database) throws {
        if let wanted = options.modalities {
            var table = [Bool](repeating: false, count: 256)
            for (modality, code) in try Catalog.modalityCodes(in: db) where wanted.contains(modality) {
                table[Int(code)] = true
            }
            allowed = table
        } else {
            allowed = nil
        }
        var rows: RowSet?
        if let directories = options.directories {
            rows = try Catalog.rows(under: directories, space: space, rowCount: rowCount, in: db)
        }
        if let labels = options.labels {
            let labelled = try Catalog.rows(labelled: labels, space: space, rowCount: rowCount, in: db)
            rows = rows.map { $0.intersection(labelled) } ?? labelled
        }
        if options.filtersPhotos {
            let passing = try Catalog.rows(passingPhotoFilters: options, space: space, rowCount: rowCount, in: db)
            rows = rows.map { $0.intersection(passing) } ?? passing
        }
        self.rows = rows
    }

    /// The row filter of a search over `search`'s rows.
    func filter(_ search: VectorSearch) -> RowFilter {
        RowFilter(live: search.live, modalities: search.modalities, allowed: allowed, rows: rows)
    }
}
