import GRDB

extension Catalog {
    /// The number of files with vectors of each modality in `space`, by modality name.
    public func modalityCounts(space: Int64) throws -> [(modality: Modality, files: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT modality, COUNT(*) FROM file
                WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
                GROUP BY modality ORDER BY modality
                """, arguments: [space]).map { (Modality(rawValue: $0[0]), $0[1]) }
        }
    }
}
