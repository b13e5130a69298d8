import Foundation
import GRDB
import MMSearchKit

/// Reads one space of an embedded index. Opening maps the vector files (headers only) and reads
/// the space row and tombstones: a million-row index opens in milliseconds. Each `read` runs in
/// one catalog read transaction and first catches up with the rows and tombstones committed
/// since the last one, or maps afresh after a compaction (a new vector file or epoch).
final class EmbeddedReader: SpaceReader, Sendable {
    let store: EmbeddedStore
    let catalog: Catalog
    let space: SpaceRecord
    private let state = Locked<Snapshot?>(nil)

    /// What a search works on: mapped vector files and the live rows, as of one catalog state.
    private struct Snapshot: Sendable {
        let vectorFile: String
        let epoch: Int64
        let search: VectorSearch
    }

    init(store: EmbeddedStore, catalog: Catalog, space: SpaceRecord) throws {
        self.store = store
        self.catalog = catalog
        self.space = space
        _ = try catalog.read { db in try refresh(db) }
    }

    func read<T>(_ body: (any SpaceSnapshot) throws -> T) throws -> T {
        try catalog.read { db in
            try body(EmbeddedSnapshot(db: db, space: space, search: try refresh(db)))
        }
    }

    /// Brings the snapshot up to the catalog's state in `db`: new rows are mapped, new
    /// tombstones applied; a new vector file (compaction) or epoch (lost rows) starts afresh.
    private func refresh(_ db: Database) throws -> VectorSearch {
        try state.withLock { current in
            func fetch(after seq: Int64) throws -> SpaceState {
                guard let state = try Catalog.spaceState(space.id, tombstonesAfter: seq, in: db) else {
                    throw MMSearchError.indexMissing(store.location)
                }
                return state
            }
            var previous = current
            var state = try fetch(after: previous?.search.live.lastSeq ?? 0)
            if let known = previous, state.vectorFile != known.vectorFile || state.epoch != known.epoch
                || state.rowCount < known.search.live.rowCount {
                previous = nil
                state = try fetch(after: 0)
            }
            var master = previous?.search.master
            var codes = previous?.search.codes
            if master == nil || state.rowCount > master?.rowCount ?? 0 {
                // An index from before int8 codes, or one whose codes are missing, is scanned
                // exactly; with codes, the master rows are only read to rescore a few.
                codes = try? store.mapCodes(named: state.vectorFile, of: space)
                master = try store.mapVectors(named: state.vectorFile, of: space,
                                              access: codes == nil ? .sequential : .random)
            }
            guard let master else { throw MMSearchError.indexMissing(store.location) }
            guard state.rowCount <= master.rowCount else {
                throw MMSearchError.indexDamaged(store.location, "the catalog counts \(state.rowCount) vector rows but "
                                                 + "\(master.url.lastPathComponent) has \(master.rowCount)")
            }
            var live = previous?.search.live ?? LiveRows()
            live.update(rowCount: state.rowCount, tombstones: state.tombstones)
            var modalities = previous?.search.modalities
            if modalities == nil || master !== previous?.search.master {
                // Rows the tag file lacks (an index from before tags) get their codes from the
                // catalog until the next index run writes them.
                let mapped = try? store.mapTags(named: state.vectorFile)
                let covered = mapped?.rowCount ?? 0
                let extra = covered < master.rowCount
                    ? try Catalog.tags(of: covered..<master.rowCount, space: space.id, in: db) : []
                modalities = RowModalities(mapped: mapped, extra: extra)
            }
            // The approximate index, opened by the first search that walks it, and again after
            // a writer replaced it.
            var graph = previous?.search.graph
            if let codes {
                if graph?.isCurrent(codes: codes) != true {
                    graph = GraphSlot(url: try store.graphURL(named: state.vectorFile), codes: codes)
                }
            } else {
                graph = nil
            }
            let search = VectorSearch(master: master, codes: codes, live: live, modalities: modalities, graph: graph)
            current = Snapshot(vectorFile: state.vectorFile, epoch: state.epoch, search: search)
            return search
        }
    }
}

/// One read transaction of an embedded index's catalog with the vector rows as of it.
final class EmbeddedSnapshot: SpaceSnapshot {
    private let db: Database
    private let space: SpaceRecord
    private let search: VectorSearch
    /// The filters' rows, read once per snapshot for each set of options.
    private var scopes: [SearchOptions.Filters: SearchScope] = [:]
    /// Each file's rows, as `items()` read them.
    private var rowsByFile: [Int64: Range<Int>] = [:]

    init(db: Database, space: SpaceRecord, search: VectorSearch) {
        self.db = db
        self.space = space
        self.search = search
    }

    var rowCount: Int { search.live.rowCount }

    func fileCount() throws -> Int {
        try Catalog.searchableFiles(space: space.id, in: db)
    }

    private func scope(_ options: SearchOptions) throws -> SearchScope {
        let key = options.filters
        if let known = scopes[key] { return known }
        let scope = try SearchScope(options, space: space.id, rowCount: search.live.rowCount, in: db)
        scopes[key] = scope
        return scope
    }

    func nearest(_ query: [Float], k: Int, options: SearchOptions) throws -> (rows: [ScoredRow], statistics: SearchStatistics) {
        let scope = try scope(options)
        let (best, statistics) = search.topK(query, k: k, options: options, allowed: scope.allowed, rows: scope.rows)
        return (best.map { ScoredRow(row: $0.row, score: $0.score) }, statistics)
    }

    /// Queries scanned with the same method and threads share one pass over the int8 codes.
    func nearest(_ queries: [NearestQuery]) -> [Result<(rows: [ScoredRow], statistics: SearchStatistics), Error>] {
        struct Pass: Hashable {
            let method: SearchOptions.Method
            let threads: Int
            let rowsPerThread: Int
            let searchWidth: Int
        }
        var results = [Result<(rows: [ScoredRow], statistics: SearchStatistics), Error>](
            repeating: .failure(MMSearchError(.fatal, "not searched")), count: queries.count)
        var passes: [Pass: [(index: Int, request: VectorSearch.Request)]] = [:]
        for (i, query) in queries.enumerated() {
            do {
                let scope = try scope(query.options)
                let pass = Pass(method: query.options.method, threads: query.options.threads,
                                rowsPerThread: query.options.rowsPerThread, searchWidth: query.options.searchWidth)
                passes[pass, default: []].append(
                    (i, VectorSearch.Request(query: query.vector, k: query.k, allowed: scope.allowed, rows: scope.rows)))
            } catch {
                results[i] = .failure(error)
            }
        }
        for (pass, members) in passes {
            let options = SearchOptions(method: pass.method, threads: pass.threads, rowsPerThread: pass.rowsPerThread,
                                        searchWidth: pass.searchWidth)
            for (member, (best, statistics)) in zip(members, search.topK(members.map(\.request), options: options)) {
                results[member.index] = .success((best.map { ScoredRow(row: $0.row, score: $0.score) }, statistics))
            }
        }
        return results
    }

    func keywordMatches(_ texts: [String], limit: Int, options: SearchOptions) throws -> [RowID] {
        guard let expression = SearchWords.matchExpression(texts) else { return [] }
        let filter = try scope(options).filter(search)
        // A row that is not a finite unit vector has no score to show: never a match.
        return try TextSearchIndex.matches(expression, space: space.id, limit: limit, in: db,
                                           accepts: { filter.accepts($0) && search.isSound(row: $0) }).map(\.row)
    }

    func score(_ query: [Float], row: RowID) throws -> Float {
        search.score(query, row: row)
    }

    func hit(row: RowID, score: Float) throws -> SearchHit? {
        guard let owner = try Catalog.owner(ofRow: row, space: space.id, in: db) else { return nil }
        return SearchHit(fileID: owner.fileID, path: owner.path, score: score, modality: owner.modality,
                         part: owner.part.map { MatchedPart(part: $0, score: score) },
                         labels: try LabelTable.labels(path: owner.path, space: space.id, in: db),
                         date: FileDate(photo: owner.photo, mtimeNs: owner.mtimeNs), photo: owner.photo)
    }

    func partsUnderRow(ofFile path: String) throws -> [FilePart] {
        try PartTables.partsUnderRow(path: path, space: space.id, dimension: space.dimension, in: db)
    }

    func file(id: Int64) throws -> FileDetails? {
        guard let record = try FileRecord.fetchOne(db, sql: """
            SELECT * FROM file WHERE id = ? AND space_id = ? AND status = 'ok'
              AND vector_row IS NOT NULL AND vector_count > 0
            """, arguments: [id, space.id]) else { return nil }
        var parts = try Catalog.chunks(fileID: id, in: db)
        if parts.isEmpty {
            parts = try PartTables.partsUnderRow(path: record.path, space: space.id, dimension: space.dimension, in: db)
                .map(\.withoutVector)
        }
        return FileDetails(record: record, parts: parts,
                           labels: try LabelTable.labels(path: record.path, space: space.id, in: db),
                           photo: try PhotoTable.details(fileID: id, in: db))
    }

    func items() throws -> [IndexedItem] {
        try Row.fetchAll(db, sql: """
            SELECT id, path, modality, vector_row, vector_count FROM file
            WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL AND vector_count > 0
            ORDER BY path
            """, arguments: [space.id]).map { row in
            let id: Int64 = row[0]
            let first: Int = row[3]
            let count: Int = row[4]
            rowsByFile[id] = Catalog.rows(first: first, count: count)
            return IndexedItem(fileID: id, path: row[1], modality: Modality(rawValue: row[2]), vectorCount: count)
        }
    }

    func approximateNeighbours(of matrix: SpaceMatrix, width: Int, threads: Int) throws -> [[Int]]? {
        guard let graph = search.approximateGraph(SearchOptions(method: .automatic)) else { return nil }
        // Which item owns each row the graph links (`items()` reads each file's rows).
        var owner = [Int32](repeating: -1, count: graph.count)
        let index = Dictionary(uniqueKeysWithValues: matrix.items.enumerated().map { ($0.element.fileID, $0.offset) })
        _ = try items()
        for (file, rows) in rowsByFile {
            guard let item = index[file] else { continue }
            for r in rows where r >= 0 && r < owner.count { owner[r] = Int32(item) }
        }
        // Each item's vector walks the graph; the rows found name their items.
        let d = matrix.dimension
        let owners = owner
        let workers = max(1, threads)
        let found = Locked([[Int]](repeating: [], count: matrix.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var mine: [(Int, [Int])] = []
            for i in stride(from: worker, to: matrix.count, by: workers) {
                let (codes, scale) = Quantizer.quantize(Array(matrix.values[(i * d)..<((i + 1) * d)]))
                let near = graph.search(codes: codes, scale: scale, width: width).compactMap { hit -> Int? in
                    let item = Int(owners[hit.row])
                    return item >= 0 && item != i ? item : nil
                }
                mine.append((i, near))
            }
            found.withLock { for (i, items) in mine { $0[i] = items } }
        }
        return found.withLock { $0 }
    }

    func vectors(of item: IndexedItem) throws -> [[Float]]? {
        var rows = rowsByFile[item.fileID]
        if rows == nil, let found = try Row.fetchOne(db, sql: """
            SELECT vector_row, vector_count FROM file WHERE id = ? AND status = 'ok' AND vector_row IS NOT NULL
            """, arguments: [item.fileID]) {
            let first: Int = found[0]
            let count: Int = found[1]
            rows = Catalog.rows(first: first, count: count)
        }
        guard let rows else { return nil }
        var vectors: [[Float]] = []
        for row in rows {
            guard row < search.master.rowCount, let vector = search.master.vector(at: row) else { return nil }
            // A damaged row (not a finite unit vector) makes the file's vectors untrustworthy:
            // labelling, duplicates and statistics leave it out, as search does.
            guard StoredRow.fault(vector) == nil else { return nil }
            vectors.append(vector)
        }
        return vectors
    }
}
