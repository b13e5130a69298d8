import Foundation
import GRDB

/// Searches one space of an index. Cheap to open, whatever the index's size: it reads the
/// catalog's space row and tombstones and maps the segments (headers only). Every search
/// sees the catalog as last committed, also while another process is indexing: the reader
/// catches up on new rows and tombstones at the start of each search, in the same read
/// transaction that turns rows into paths.
public final class IndexReader: Sendable {
    public let store: IndexStore
    public let space: SpaceRecord
    private let state: Locked<Snapshot?>

    /// What a search works on: mapped segments and the live rows, as of one catalog state.
    private struct Snapshot: Sendable {
        let segment: String
        let epoch: Int64
        let search: VectorSearch
    }

    /// Opens the index in `directory` for queries in `space`. A missing or empty index, or one
    /// built in another space, is an error that says what to do.
    public init(directory: URL, space: SpaceID) throws {
        store = try IndexStore.openForReading(at: directory)
        guard let record = try store.space(matching: space) else {
            throw MMSearchError.indexMissing(directory)
        }
        self.space = record
        state = Locked(nil)
        _ = try store.catalog.read { db in try refresh(db) }
    }

    /// Number of files with vectors.
    public func count() throws -> Int {
        try store.catalog.read { db in try Catalog.searchableFiles(space: space.id, in: db) }
    }

    /// The `limit` files whose vectors are closest to `vector` (unit length, the space's
    /// dimension), best first; a file of several chunks by its best one (every chunk with
    /// `options.allChunks`).
    public func search(_ vector: [Float], limit: Int, options: SearchOptions = SearchOptions()) throws -> [SearchHit] {
        try searchWithStatistics(vector, limit: limit, options: options).hits
    }

    /// `search`, with what the scan did.
    public func searchWithStatistics(_ vector: [Float], limit: Int,
                                     options: SearchOptions = SearchOptions()) throws -> (hits: [SearchHit], statistics: SearchStatistics) {
        guard vector.count == space.dimension else {
            throw MMSearchError(.fatal, "query vector has \(vector.count) values, the index's space "
                                + "\(space.spaceID) has \(space.dimension)")
        }
        guard limit > 0 else { return ([], SearchStatistics()) }
        return try withSnapshot { db, search in
            let scope = try SearchScope(options, space: space.id, rowCount: search.live.rowCount, in: db)
            // One result per file: the best rows are read until `limit` files are among them,
            // asking for more rows (×4) while files of several chunks take up the places.
            let rowCount = search.live.rowCount
            var k = options.allChunks ? limit : 2 * min(limit, rowCount)
            while true {
                var (best, statistics) = search.topK(vector, k: k, options: options, allowed: scope.allowed,
                                                     rows: scope.rows)
                var exhausted = best.count < k || k >= rowCount
                if let minimum = options.minimumScore {
                    let before = best.count
                    best.removeAll { $0.score < minimum }
                    exhausted = exhausted || best.count < before
                }
                var found = try hits(best.map { ($0.row, $0.score) }, in: db)
                if !options.allChunks { found = Self.bestChunkPerFile(found) }
                if options.allChunks || found.count >= limit || exhausted {
                    return (Array(found.prefix(limit)), statistics)
                }
                k = min(4 * k, rowCount)
            }
        }
    }

    /// The first hit of each file, in order: hits come best first, so each file keeps its best
    /// chunk.
    static func bestChunkPerFile(_ hits: [SearchHit]) -> [SearchHit] {
        var seen = Set<String>()
        return hits.filter { seen.insert($0.path).inserted }
    }

    /// Runs `body` in one read transaction with the search state as of that transaction.
    func withSnapshot<T>(_ body: (Database, VectorSearch) throws -> T) throws -> T {
        try store.catalog.read { db in try body(db, refresh(db).search) }
    }

    /// The hits for scored rows, in order (see `hit(row:score:in:)`).
    func hits(_ rows: [(row: Int, score: Float)], in db: Database) throws -> [SearchHit] {
        try rows.compactMap { try hit(row: $0.row, score: $0.score, in: db) }
    }

    /// The hit for a scored row: its file (a text file's chunk) with the file's stored labels;
    /// nil when no file owns the row any more.
    func hit(row: Int, score: Float, in db: Database) throws -> SearchHit? {
        guard let owner = try Catalog.owner(ofRow: row, space: space.id, in: db) else { return nil }
        return SearchHit(path: owner.path, score: score, modality: owner.modality, chunk: owner.chunk,
                         labels: try LabelStore.labels(path: owner.path, space: space.id, in: db))
    }

    /// Brings the snapshot up to the catalog's state in `db`: new rows are mapped, new
    /// tombstones applied; a new segment (compaction) or epoch (lost rows) starts afresh.
    private func refresh(_ db: Database) throws -> Snapshot {
        try state.withLock { current in
            func fetch(after seq: Int64) throws -> SpaceState {
                guard let state = try Catalog.spaceState(space.id, tombstonesAfter: seq, in: db) else {
                    throw MMSearchError.indexMissing(store.directory)
                }
                return state
            }
            var previous = current
            var state = try fetch(after: previous?.search.live.lastSeq ?? 0)
            if let known = previous, state.segment != known.segment || state.epoch != known.epoch
                || state.rowCount < known.search.live.rowCount {
                previous = nil
                state = try fetch(after: 0)
            }
            var master = previous?.search.master
            var codes = previous?.search.codes
            if master == nil || state.rowCount > master?.rowCount ?? 0 {
                // An index from before int8 codes, or one whose codes are missing, is scanned
                // exactly; with codes, the master rows are only read to rescore a few.
                codes = try? store.mapCodes(named: state.segment, of: space)
                master = try store.mapSegment(named: state.segment, of: space,
                                              access: codes == nil ? .sequential : .random)
            }
            guard let master else { throw MMSearchError.indexMissing(store.directory) }
            guard state.rowCount <= master.rowCount else {
                throw MMSearchError(.fatal, "index \(store.directory.path) is damaged: the catalog counts "
                                    + "\(state.rowCount) vector rows but \(master.url.lastPathComponent) has "
                                    + "\(master.rowCount); re-index into a new --index")
            }
            var live = previous?.search.live ?? LiveRows()
            live.update(rowCount: state.rowCount, tombstones: state.tombstones)
            var modalities = previous?.search.modalities
            if modalities == nil || master !== previous?.search.master {
                // Rows the tag file lacks (an index from before tags) get their codes from the
                // catalog until the next index run writes them.
                let mapped = try? store.mapTags(named: state.segment)
                let covered = mapped?.rowCount ?? 0
                let extra = covered < master.rowCount
                    ? try Catalog.tags(of: covered..<master.rowCount, space: space.id, in: db) : []
                modalities = RowModalities(mapped: mapped, extra: extra)
            }
            let snapshot = Snapshot(segment: state.segment, epoch: state.epoch,
                                    search: VectorSearch(master: master, codes: codes, live: live,
                                                         modalities: modalities))
            current = snapshot
            return snapshot
        }
    }
}
