import Foundation
import MMSearchKit
import PostgresNIO

/// Reads one space of a PostgreSQL index: each `read` is one REPEATABLE READ, read-only
/// transaction on a pooled connection, so everything its body sees is one committed state.
final class PostgresReader: SpaceReader, Sendable {
    let store: PostgresStore
    let space: SpaceRecord

    init(store: PostgresStore, space: SpaceRecord) {
        self.store = store
        self.space = space
    }

    /// On a sharded store a failed statement names the shards that cannot be reached (see
    /// `PostgresSnapshot.fetch`: the search layers keep each query's error apart, so the
    /// statement is where it is caught).
    func read<T>(_ body: (any SpaceSnapshot) throws -> T) throws -> T {
        try store.pool.withSession { session in
            try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                try body(PostgresSnapshot(store: store, session: session, space: space))
            }
        }
    }
}

/// One transaction of a PostgreSQL index. A search is one statement: the best rows by inner
/// product (`<#>`), ordered on the server (on each shard for a sharded store), together with
/// what their hits need (path, modality, chunk, labels), so `hit(row:)` costs nothing for them.
final class PostgresSnapshot: SpaceSnapshot {
    let store: PostgresStore
    let session: PostgresSession
    let space: SpaceRecord
    private var hits: [RowID: SearchHit] = [:]
    /// Files of hits known to have no parts under their row (most files): `partsUnderRow`
    /// answers them without a round trip.
    private var withoutParts: Set<String> = []
    private var scopes: [SearchOptions.Filters: Scope] = [:]
    private var liveRows: Int?
    /// Whether the schema has photo details (pg-3), asked once.
    private lazy var photos: Bool = (try? PhotoRows.exist(in: session)) ?? false
    /// Whether the schema has regions of text read in images (pg-4), asked once.
    private lazy var regions: Bool = (try? ChunkRegions.exist(in: session)) ?? false
    /// Each file's vectors, read at once when a walk over `items()` asks for them.
    private var walking = false
    private var allVectors: [Int64: [[Float]]]?

    /// What a search's filters let through: rows of these modalities, of these files.
    private struct Scope {
        let modalities: [String]?
        let files: [Int64]?
    }

    init(store: PostgresStore, session: PostgresSession, space: SpaceRecord) {
        self.store = store
        self.session = session
        self.space = space
    }

    private var table: String { get throws { try VectorTables.table(of: space) } }

    /// Runs a statement of this snapshot. On a sharded store a failure names the shards that
    /// cannot be reached: an answer from the others alone would be silently incomplete.
    private func fetch(_ statement: PostgresQuery) throws -> [PostgresRow] {
        do {
            return try session.query(statement)
        } catch let error as MMSearchError where error.kind == .fatal {
            throw PostgresShards.unreachable(store) ?? error
        }
    }

    var rowCount: Int {
        if let liveRows { return liveRows }
        let rows = (try? session.query("SELECT live_rows FROM mmsearch.space WHERE id = \(space.id)").first?
            .decode(Int64.self)).flatMap { $0 } ?? 0
        liveRows = Int(rows)
        return Int(rows)
    }

    func fileCount() throws -> Int {
        Int(try fetch("""
            SELECT count(*) FROM mmsearch.file WHERE space_id = \(space.id) AND status = 'ok' AND vector_count > 0
            """)[0].decode(Int64.self))
    }

    private func scope(_ options: SearchOptions) throws -> Scope {
        let key = options.filters
        if let known = scopes[key] { return known }
        var files: Set<Int64>?
        if let directories = options.directories {
            var under = Set<Int64>()
            for path in directories {
                let inside = FilePaths.descendantBounds(of: path)
                for row in try fetch("""
                    SELECT id FROM mmsearch.file WHERE space_id = \(space.id) AND status = 'ok'
                      AND (path = \(path) OR (path >= \(inside.from) AND path < \(inside.below)))
                    """) { under.insert(try row.decode(Int64.self)) }
            }
            files = under
        }
        if let labels = options.labels {
            let known = Set(try fetch("""
                SELECT DISTINCT l.name FROM mmsearch.label l JOIN mmsearch.file f ON f.id = l.file_id
                WHERE f.space_id = \(space.id)
                """).map { try $0.decode(String.self) })
            if let error = MMSearchError.unknownLabel(among: labels, known: known) { throw error }
            let labelled = Set(try fetch("""
                SELECT DISTINCT l.file_id FROM mmsearch.label l JOIN mmsearch.file f ON f.id = l.file_id
                WHERE f.space_id = \(space.id) AND f.status = 'ok' AND l.name = ANY(\(labels))
                """).map { try $0.decode(Int64.self) })
            files = files.map { $0.intersection(labelled) } ?? labelled
        }
        if options.filtersPhotos {
            let passing = try PhotoRows.files(passing: options, space: space, fetch: fetch, photos: photos)
            files = files.map { $0.intersection(passing) } ?? passing
        }
        let scope = Scope(modalities: options.modalities.map { $0.map(\.rawValue).sorted() },
                          files: files.map { $0.sorted() })
        scopes[key] = scope
        return scope
    }

    /// Exact: every row's score, the best sorted on the server (an ordering the HNSW index
    /// cannot serve, so each server scans). Approximate: the HNSW graph, for large spaces
    /// searched with the automatic or approximate method (`--exact` asks for `.quantized`).
    private func approximate(_ options: SearchOptions) -> Bool {
        (options.method == .automatic || options.method == .approximate) && rowCount >= store.exactBelow
    }

    func nearest(_ query: [Float], k: Int, options: SearchOptions) throws -> (rows: [ScoredRow], statistics: SearchStatistics) {
        guard query.count == space.dimension else {
            throw MMSearchError(.usage, "query has \(query.count) values, the space has \(space.dimension)")
        }
        let scope = try scope(options)
        guard k > 0, scope.files.map({ !$0.isEmpty }) ?? true else { return ([], SearchStatistics()) }
        let approximate = approximate(options)
        if approximate { try Self.prepareApproximateSearch(k: k, in: session) }
        let sql = try Self.searchStatement(space, approximate: approximate, partitions: try store.partitions(of: space),
                                           photos: photos, regions: regions)
        let binds = Self.searchBinds(query, k: k, modalities: scope.modalities, files: scope.files)
        var rows: [ScoredRow] = []
        for row in try fetch(PostgresQuery(unsafeSQL: sql, binds: binds)).prefix(k) {
            let (id, distance, hit, hasParts) = try Self.hit(row)
            rows.append(ScoredRow(row: RowID(id), score: Float(-distance)))
            remember(hit, of: RowID(id), hasParts: hasParts)
        }
        var statistics = SearchStatistics()
        statistics.exactRows = approximate ? 0 : rowCount
        return (rows, statistics)
    }

    /// The search statement: the best `$4` rows by inner product with `$1` among rows of the
    /// modalities `$2` and files `$3` (NULL: all), with what their hits need. Exact search
    /// orders by an expression the HNSW index cannot serve (`distance + 0`), so the server
    /// scans every row and keeps the best (a top-N sort); approximate search orders by the
    /// distance itself, which the HNSW index serves.
    ///
    /// On a sharded store each shard's partition (`partitions`) is asked for its own best `$4`
    /// in a branch of a UNION ALL: a query on one foreign table is shipped whole by postgres_fdw,
    /// ordering and LIMIT included, so each shard sorts its rows and sends back only its best,
    /// all shards at once (an Async Append over async foreign scans); the final ORDER BY merges
    /// them, and the caller keeps the first `$4`.
    static func searchStatement(_ space: SpaceRecord, approximate: Bool, partitions: [String] = [],
                                photos: Bool = true, regions: Bool = true) throws -> String {
        let distance = "r.v <#> $1\(VectorTables.cast(space))"
        let order = approximate ? distance : "(\(distance)) + 0"
        func branch(_ table: String) -> String {
            """
            SELECT r.id, r.file_id, r.part, \(order) AS distance
                FROM \(table) r
                WHERE ($2::text[] IS NULL OR r.modality = ANY($2::text[]))
                  AND ($3::bigint[] IS NULL OR r.file_id = ANY($3::bigint[]))
                ORDER BY \(order) LIMIT $4
            """
        }
        let table = try VectorTables.table(of: space)
        // Each shard's best, merged by the final ORDER BY (and cut to `$4` by the caller).
        let best = partitions.isEmpty ? branch(table)
            : partitions.map { "(" + branch($0) + ")" }.joined(separator: "\nUNION ALL ")
        return """
            WITH best AS MATERIALIZED (\(best))
            SELECT b.id, b.distance, \(hitColumns(photos: photos, regions: regions))
            FROM best b
            \(hitJoins(photos: photos))
            ORDER BY b.distance, b.id
            """
    }

    /// How many candidates an approximate search on one server keeps (`hnsw.ef_search`) for up
    /// to 250 results; more results keep twice their number. On 1M vectors made from real
    /// embeddings (`VectorTables.graphLinks` says how they were measured), one graph's
    /// recall@10 at 200 varied from 0.948 to 0.968 between builds; at 500 it was 0.972 on the
    /// build that gave 0.948, for 8.5 ms a query through psql instead of 4.8.
    static let searchWidth = 500

    /// The same for each shard of a sharded store, whose graphs hold a third of the rows each:
    /// three walks 200 wide give recall@10 0.981 on the same vectors (`PostgresShards`).
    static let shardSearchWidth = 200

    /// Settings of an approximate search, for the rest of the transaction: the HNSW search
    /// width (`searchWidth`, or twice `k`), iterative scans so that filters still fill `k`,
    /// and the graph used whatever the planner thinks of a small table.
    static func prepareApproximateSearch(k: Int, in session: PostgresSession) throws {
        // One round trip; `set_config(…, true)` is `SET LOCAL`.
        try session.run(PostgresQuery(unsafeSQL: """
            SELECT set_config('hnsw.ef_search', '\(min(1000, max(searchWidth, 2 * k)))', true),
                   set_config('hnsw.iterative_scan', 'strict_order', true),
                   set_config('enable_seqscan', 'off', true)
            """))
    }

    static func searchBinds(_ query: [Float], k: Int, modalities: [String]?, files: [Int64]?) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(query)
        binds.append(modalities)
        binds.append(files)
        binds.append(Int64(k))
        return binds
    }

    /// What a hit needs of a row `b` (`b.file_id`, `b.part`), after the row's id and distance:
    /// its file, its chunk (for a file searched by its parts), the file's labels, whether it
    /// has parts under its row (a video's frames), its modification time and photo details (NULLs
    /// on a schema without them: `photos` false), read by `hit(_:)`; with `hitJoins`.
    static func hitColumns(photos: Bool, regions: Bool) -> String {
        hitColumns + ", f.mtime_ns, " + (photos ? "p.file_id IS NOT NULL, " + PhotoColumns.list(of: "p")
                                                : "false, " + PhotoRows.nullColumns)
            + ", " + (regions ? ChunkRegions.columns(of: "c") : ChunkRegions.nullColumns)
    }

    static func hitJoins(photos: Bool) -> String {
        hitJoins + (photos ? "\n    LEFT JOIN mmsearch.photo p ON p.file_id = f.id" : "")
    }

    private static let hitColumns = """
        f.id, f.path, f.modality, c.idx, c.byte_start, c.byte_end, c.text, c.start_s, c.end_s,
               coalesce((SELECT array_agg(l.name ORDER BY l.probability DESC, l.name) FROM mmsearch.label l
                         WHERE l.file_id = f.id), '{}'),
               coalesce((SELECT array_agg(l.probability ORDER BY l.probability DESC, l.name) FROM mmsearch.label l
                         WHERE l.file_id = f.id), '{}'),
               EXISTS (SELECT 1 FROM mmsearch.media_segment s WHERE s.file_id = f.id)
        """
    private static let hitJoins = """
        JOIN mmsearch.file f ON f.id = b.file_id AND f.status = 'ok'
            LEFT JOIN mmsearch.chunk c ON c.file_id = b.file_id AND c.idx = b.part
        """

    /// A row of `hitColumns` (after the row's id and distance) as a hit (its score set by
    /// `hit(row:score:)`).
    private static func hit(_ row: PostgresRow) throws -> (id: Int64, distance: Double, hit: SearchHit, hasParts: Bool) {
        let (id, distance, file, path, modality, idx, start, end, text, startS, endS, labels, probabilities, hasParts) =
            try row.decode((Int64, Double, Int64, String, String, Int32?, Int32?, Int32?, String?, Double?, Double?,
                            [String], [Double], Bool).self)
        // The columns after those: decoded by position (a tuple of 22 is past what decode takes).
        let cells = Array(row)
        guard cells.count == 27 else {
            throw MMSearchError(.fatal, "a search row has \(cells.count) columns, not 27")
        }
        let mtime = try cells[14].decode(Int64.self)
        let photo = try cells[15].decode(Bool.self) ? PhotoRows.metadata((
            try cells[16].decode(Int64?.self), try cells[17].decode(Int32?.self), try cells[18].decode(String?.self),
            try cells[19].decode(String?.self), try cells[20].decode(Double?.self), try cells[21].decode(Double?.self),
            try cells[22].decode(Int16?.self))) : nil
        var part: MatchedPart?
        if let idx {
            let time = startS.flatMap { s in endS.map { TimeSpan(start: s, end: $0) } }
            let found = ChunkRegions.part(index: Int(idx), start: Int(start ?? 0), end: Int(end ?? 0), text: text ?? "",
                                          time: time, region: try ChunkRegions.region(cells[23...26]))
            // An image's own row among the rows of its text is the whole file: no part.
            part = found.isWholeFile ? nil : MatchedPart(part: found, score: 0)
        }
        let hit = SearchHit(fileID: file, path: path, score: 0, modality: Modality(rawValue: modality), part: part,
                            labels: zip(labels, probabilities).map { LabelScore(label: $0, probability: Float($1)) },
                            date: FileDate(photo: photo, mtimeNs: mtime), photo: photo)
        return (id, distance, hit, hasParts)
    }

    func keywordMatches(_ texts: [String], limit: Int, options: SearchOptions) throws -> [RowID] {
        let words = SearchWords.queryWords(texts)
        guard limit > 0, !words.isEmpty else { return [] }
        let scope = try scope(options)
        var found: [RowID] = []
        var seen = Set<RowID>()
        for (_, row) in try KeywordIndex.matches(words, space: space, files: scope.files, modalities: scope.modalities,
                                                 fetch: fetch) where found.count < limit {
            if seen.insert(RowID(row)).inserted { found.append(RowID(row)) }
        }
        return found
    }

    func score(_ query: [Float], row: RowID) throws -> Float {
        let distance = try fetch("""
            SELECT r.v <#> \(query)\(unescaped: VectorTables.cast(space)) FROM \(unescaped: try table) r
            WHERE r.id = \(Int64(row))
            """).first?.decode(Double.self)
        return Float(-(distance ?? .infinity))
    }

    func hit(row: RowID, score: Float) throws -> SearchHit? {
        if let known = hits[row] {
            var hit = known
            hit.score = score
            hit.part = known.part.map { MatchedPart(part: $0.part, score: score) }
            return hit
        }
        var binds = PostgresBindings()
        binds.append(Int64(row))
        let sql = """
            SELECT b.id, 0::float8, \(Self.hitColumns(photos: photos, regions: regions))
            FROM \(try table) b
            \(Self.hitJoins(photos: photos))
            WHERE b.id = $1
            """
        guard let found = try fetch(PostgresQuery(unsafeSQL: sql, binds: binds)).first else { return nil }
        let (_, _, known, hasParts) = try Self.hit(found)
        remember(known, of: row, hasParts: hasParts)
        return try hit(row: row, score: score)
    }

    /// Keeps what a search statement said of a row's hit, so `hit(row:score:)` and
    /// `partsUnderRow` need no round trip for it.
    private func remember(_ hit: SearchHit, of row: RowID, hasParts: Bool) {
        hits[row] = hit
        if !hasParts { withoutParts.insert(hit.path) }
    }

    func partsUnderRow(ofFile path: String) throws -> [FilePart] {
        if withoutParts.contains(path) { return [] }
        return try fetch("""
            SELECT s.start_s, s.end_s, s.vector FROM mmsearch.media_segment s JOIN mmsearch.file f ON f.id = s.file_id
            WHERE f.space_id = \(space.id) AND f.path = \(path) ORDER BY s.start_s, s.ordinal
            """).enumerated().compactMap { index, row in
            let (start, end, vector) = try row.decode((Double, Double, [Float]).self)
            guard StoredVectors.isSound(vector, dimension: space.dimension) else { return nil }
            return FilePart(index: index, time: TimeSpan(start: start, end: end), vector: vector)
        }
    }

    func file(id: Int64) throws -> FileDetails? {
        guard let record = try fetch("""
            SELECT \(unescaped: FileRows.columns) FROM mmsearch.file
            WHERE id = \(id) AND space_id = \(space.id) AND status = 'ok' AND vector_count > 0
            """).first.map(FileRows.record) else { return nil }
        var parts = try fetch("""
            SELECT file_id, idx, byte_start, byte_end, text, start_s, end_s,
                   \(unescaped: regions ? ChunkRegions.columns : ChunkRegions.nullColumns)
            FROM mmsearch.chunk WHERE file_id = \(id) ORDER BY idx
            """).map { try PostgresWriter.chunk($0).part }
        if parts.isEmpty { parts = try partsUnderRow(ofFile: record.path).map(\.withoutVector) }
        let labels = try fetch("""
            SELECT name, probability FROM mmsearch.label WHERE file_id = \(id) ORDER BY probability DESC, name
            """).map { row in
            let (name, probability) = try row.decode((String, Double).self)
            return LabelScore(label: name, probability: Float(probability))
        }
        return FileDetails(record: record, parts: parts, labels: labels,
                           photo: try PhotoRows.details(of: [id], in: session)[id])
    }

    func items() throws -> [IndexedItem] {
        walking = true
        return try fetch("""
            SELECT id, path, modality, vector_count FROM mmsearch.file
            WHERE space_id = \(space.id) AND status = 'ok' AND vector_count > 0 ORDER BY path
            """).map { row in
            let (id, path, modality, count) = try row.decode((Int64, String, String, Int32).self)
            return IndexedItem(fileID: id, path: path, modality: Modality(rawValue: modality), vectorCount: Int(count))
        }
    }

    func vectors(of item: IndexedItem) throws -> [[Float]]? {
        let vectors: [[Float]]
        if walking {
            if allVectors == nil {
                var all: [Int64: [[Float]]] = [:]
                for row in try fetch("""
                    SELECT file_id, v::real[] FROM \(unescaped: try table) ORDER BY file_id, part
                    """) {
                    let (file, vector) = try row.decode((Int64, [Float]).self)
                    all[file, default: []].append(vector)
                }
                allVectors = all
            }
            vectors = allVectors?[item.fileID] ?? []
        } else {
            vectors = try fetch("""
                SELECT v::real[] FROM \(unescaped: try table) WHERE file_id = \(item.fileID) ORDER BY part
                """).map { try $0.decode([Float].self) }
        }
        guard !vectors.isEmpty, vectors.count == item.vectorCount else { return nil }
        // A damaged row (not a finite unit vector) makes the file's vectors untrustworthy.
        for vector in vectors where !StoredVectors.isSound(vector, dimension: space.dimension) { return nil }
        return vectors
    }
}
