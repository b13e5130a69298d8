import Foundation
import GRDB

/// One search result.
public struct SearchHit: Sendable, Equatable {
    /// Absolute path of the indexed file.
    public let path: String
    /// Cosine similarity with the query, in [-1, 1].
    public let score: Float
    public let modality: Modality
    /// For time-based media (video), the part that best matches the query.
    public var segment: SegmentMatch?

    public init(path: String, score: Float, modality: Modality, segment: SegmentMatch? = nil) {
        self.path = path
        self.score = score
        self.modality = modality
        self.segment = segment
    }
}

/// Searches one space of an index. Cheap to open: it reads the catalog's space list and maps
/// the segment's header. Sees every commit made before each search, also while another process
/// is indexing.
public final class IndexReader: Sendable {
    public let store: IndexStore
    public let space: SpaceRecord
    private let segment: Locked<MappedVectorSegment>

    /// Opens the index in `directory` for queries in `space`. A missing or empty index, or one
    /// built in another space, is an error that says what to do.
    public init(directory: URL, space: SpaceID) throws {
        store = try IndexStore.openForReading(at: directory)
        guard let record = try store.space(matching: space) else {
            throw MMSearchError.indexMissing(directory)
        }
        self.space = record
        segment = Locked(try store.mapSegment(of: record))
    }

    /// Number of files with a vector.
    public func count() throws -> Int {
        try store.catalog.counts(space: space.id).ok
    }

    /// The `limit` files whose vectors are closest to `vector` (unit length, the space's
    /// dimension), best first.
    public func search(_ vector: [Float], limit: Int) throws -> [SearchHit] {
        guard vector.count == space.dimension else {
            throw MMSearchError(.fatal, "query vector has \(vector.count) values, the index's space "
                                + "\(space.spaceID) has \(space.dimension)")
        }
        guard limit > 0 else { return [] }
        return try store.catalog.read { db in
            let live = try Int.fetchAll(db, sql: """
                SELECT vector_row FROM file
                WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
                ORDER BY vector_row
                """, arguments: [space.id])
            guard let last = live.last else { return [] }
            let mapped = try segment(covering: last)
            let best = withExtendedLifetime(mapped) {
                ExactSearch.topK(query: vector, rows: mapped.rows, dimension: space.dimension,
                                 live: live, k: limit)
            }
            let lookup = try db.cachedStatement(sql: """
                SELECT path, modality FROM file
                WHERE space_id = ? AND status = 'ok' AND vector_row = ?
                """)
            return try best.compactMap { entry -> SearchHit? in
                guard let row = try Row.fetchOne(lookup, arguments: [space.id, entry.row]) else {
                    return nil
                }
                return SearchHit(path: row["path"], score: entry.score,
                                 modality: Modality(rawValue: row["modality"]))
            }
        }
    }

    /// The current mapping, re-mapped when the catalog refers to rows appended since.
    private func segment(covering row: Int) throws -> MappedVectorSegment {
        try segment.withLock { current in
            if row < current.rowCount { return current }
            let fresh = try store.mapSegment(of: space)
            guard row < fresh.rowCount else {
                throw MMSearchError(.fatal, "index \(store.directory.path) is damaged: the catalog refers "
                                    + "to vector row \(row) but \(fresh.url.lastPathComponent) has "
                                    + "\(fresh.rowCount) rows; re-index into a new --index")
            }
            current = fresh
            return fresh
        }
    }
}
