import GRDB

/// One indexed file of a space with its vectors' rows: what labelling, duplicate finding and
/// the space's statistics walk over.
public struct IndexedItem: Sendable, Equatable {
    /// The catalog's file id.
    public let fileID: Int64
    /// Absolute, standardised path.
    public let path: String
    public let modality: Modality
    /// The file's segment rows: one, or a text file's chunks.
    public let rows: Range<Int>
}

extension IndexReader {
    /// Every file of the space that has vectors, by path.
    public func items() throws -> [IndexedItem] {
        try store.catalog.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, path, modality, vector_row, vector_count FROM file
                WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL AND vector_count > 0
                ORDER BY path
                """, arguments: [space.id]).map { row in
                let first: Int = row[3]
                let count: Int = row[4]
                return IndexedItem(fileID: row[0], path: row[1], modality: Modality(rawValue: row[2]),
                                   rows: first..<(first + count))
            }
        }
    }

    /// The stored unit vector of `item`: its row, or for a text file the renormalised mean of
    /// its chunks' rows (the same rule as `Engine.embed` for a text file). nil when the rows
    /// are beyond the mapped segment (the index changed under us).
    public func vector(of item: IndexedItem) throws -> [Float]? {
        try withSnapshot { _, search in
            var vectors: [[Float]] = []
            for row in item.rows {
                guard row < search.master.rowCount, let vector = search.master.vector(at: row) else { return nil }
                vectors.append(vector)
            }
            guard vectors.count > 1 else { return vectors.first }
            return UnitVector.mean(vectors)
        }
    }
}
