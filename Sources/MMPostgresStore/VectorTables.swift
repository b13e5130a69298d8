import Foundation
import MMSearchKit
import PostgresNIO

/// The vector table of each space, `mmsearch.vectors_<space id>`:
///
///     id bigint, file_id bigint, part integer, modality text, v vector(d) | halfvec(d)
///
/// Row ids come from one sequence (`mmsearch.row_id`); `part` is the row's place among its
/// file's rows (a text file's chunk index). On one server the table has a primary key, an index
/// on `file_id` and an HNSW index (`vector_ip_ops`); on a sharded store each shard holds such a
/// table and the coordinator's table is partitioned by hash of `file_id` over foreign tables.
enum VectorTables {
    /// pgvector's type for a space's element type.
    static func type(of space: SpaceRecord) -> String { space.elementType == VectorStorage.f16.rawValue ? "halfvec" : "vector" }

    /// `table` as an SQL name in the `mmsearch` schema; the name comes from the space row, so it
    /// is checked before it is put into SQL.
    static func table(of space: SpaceRecord) throws -> String {
        let name = space.vectorFile
        guard name.hasPrefix("vectors_"), name.dropFirst(8).allSatisfy(\.isNumber), name.count > 8 else {
            throw MMSearchError(.fatal, "space \(space.name) names the vector table '\(name)', which is not one of mmsearch's",
                                reason: .indexDamaged)
        }
        return "mmsearch." + name
    }

    /// The query vector as SQL: a `real[]` parameter cast to the space's type.
    static func cast(_ space: SpaceRecord) -> String {
        "::real[]::\(type(of: space))(\(space.dimension))"
    }

    /// The statements that create a space's table on a server that holds rows (one server, or
    /// a shard).
    static func rowTableDDL(_ space: SpaceRecord, name: String, withDefault: Bool) -> [String] {
        let type = type(of: space)
        let table = "mmsearch." + name
        return [
            "CREATE SCHEMA IF NOT EXISTS mmsearch",
            """
            CREATE TABLE IF NOT EXISTS \(table) (
                id bigint PRIMARY KEY\(withDefault ? " DEFAULT nextval('mmsearch.row_id')" : ""),
                file_id bigint NOT NULL, part integer NOT NULL, modality text NOT NULL,
                v \(type)(\(space.dimension)) NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS \(name)_by_file ON \(table) (file_id, part)",
        ]
    }

    /// The HNSW graph's build settings: each row links to `graphLinks` neighbours per layer
    /// (twice that on the bottom one), chosen by a search `graphBuildWidth` wide. With
    /// pgvector's defaults (16, 64), 1M vectors made from real embeddings
    /// (Scripts/bench/postgres.sh) kept groups of near neighbours out of reach: recall@10 0.94
    /// at `hnsw.ef_search` 400 and no better at 600. With (24, 128), for a graph that takes 1.8
    /// times as long to build: 0.948–0.968 at 200 over several builds (the load order and the
    /// parallel build change which groups stay out of reach), and on one such build 0.962 at
    /// 400, 0.972 at 500, 0.982 at 1000 (`PostgresSnapshot.searchWidth`).
    static let graphLinks = 24
    static let graphBuildWidth = 128

    /// The HNSW index (the graph of approximate search) of a space's table.
    static func graphDDL(_ space: SpaceRecord) -> String {
        "CREATE INDEX IF NOT EXISTS \(space.vectorFile)_hnsw ON mmsearch.\(space.vectorFile) "
            + "USING hnsw (v \(type(of: space))_ip_ops) WITH (m = \(graphLinks), ef_construction = \(graphBuildWidth))"
    }

    /// Builds the HNSW index of `space` where it is missing, once the space has `exactBelow`
    /// rows (below that every search scans exactly, and a graph would only slow the writes):
    /// built in one pass over the rows, which is many times faster than growing it row by
    /// row during a large first load. On a sharded store every shard builds its own at once.
    static func ensureGraph(_ space: SpaceRecord, store: PostgresStore, session: PostgresSession) throws {
        let rows = try session.query("SELECT live_rows FROM mmsearch.space WHERE id = \(space.id)").first?.decode(Int64.self) ?? 0
        guard rows >= store.exactBelow else { return }
        let servers = try rowServers(store)
        let failures = Locked<[Error]>([])
        DispatchQueue.concurrentPerform(iterations: servers.count) { i in
            do {
                let remote = try PostgresSession.connect(servers[i])
                guard try !graphExists(space, in: remote) else { return }
                // Room for the whole graph (a row's vector and its neighbour lists: 2m candidates
                // of 16 bytes on the bottom layer, and the rest), so that it is built in memory,
                // within bounds: 64 MB to 3 GB.
                let perServer = Int(rows) / max(1, servers.count) + 1
                let perRow = space.dimension * 4 + 2 * graphLinks * 16 + 200
                let megabytes = min(3072, max(64, perServer * perRow / 1_000_000 * 11 / 10))
                try remote.run(PostgresQuery(unsafeSQL: "SET maintenance_work_mem = '\(megabytes)MB'"))
                try remote.run("SET max_parallel_maintenance_workers = 2")
                try remote.run(PostgresQuery(unsafeSQL: graphDDL(space)))
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        if let error = failures.withLock({ $0.first }) { throw error }
    }

    /// The servers that hold the spaces' rows: the store's own, or every shard.
    static func rowServers(_ store: PostgresStore) throws -> [PostgresLocation] {
        let shards = try store.shardList()
        return shards.isEmpty ? [store.server] : try shards.map { try PostgresLocation(url: $0.url) }
    }

    /// Whether the server of `session` holds the HNSW index of `space`.
    static func graphExists(_ space: SpaceRecord, in session: PostgresSession) throws -> Bool {
        try session.query("SELECT to_regclass(\("mmsearch." + space.vectorFile + "_hnsw")) IS NOT NULL")[0].decode(Bool.self)
    }

    /// Records `space` (under a lock, so two writers starting at once record it once) and
    /// creates its vector table, on the shards too when the store is sharded.
    static func addSpace(_ space: SpaceID, storage: VectorStorage, store: PostgresStore,
                         session: PostgresSession) throws -> SpaceRecord {
        try session.transaction {
            try session.run("SELECT pg_advisory_xact_lock(hashtext('mmsearch.space'))")
            if let recorded = try PostgresStore.spaces(in: session).first(where: { $0.spaceID == space }) { return recorded }
            let id = try session.query("SELECT nextval(pg_get_serial_sequence('mmsearch.space', 'id'))")[0].decode(Int64.self)
            let record = SpaceRecord(id: id, name: space.name, dimension: space.dimension, fingerprint: space.fingerprint,
                                     elementType: storage.rawValue, vectorFile: "vectors_\(id)",
                                     createdAt: Date().timeIntervalSince1970, rowCount: 0)
            try session.run("""
                INSERT INTO mmsearch.space (id, name, dimension, fingerprint, element_type, vector_table, created_at)
                VALUES (\(id), \(record.name), \(Int32(record.dimension)), \(record.fingerprint), \(record.elementType),
                        \(record.vectorFile), \(record.createdAt))
                """)
            let shards = try PostgresShards.list(in: session)
            if shards.isEmpty {
                for statement in rowTableDDL(record, name: record.vectorFile, withDefault: true) {
                    try session.run(PostgresQuery(unsafeSQL: statement))
                }
            } else {
                try PostgresShards.createVectorTable(record, shards: shards, session: session)
            }
            return record
        }
    }

    /// Rows of the vector table, as inserted by a writer: ids, owners, places, modalities and
    /// the vectors one after another.
    struct Rows {
        var ids: [Int64] = []
        var files: [Int64] = []
        var parts: [Int32] = []
        var modalities: [String] = []
        var values: [Float] = []
    }

    /// Inserts `rows` into the space's table, at most `batch` rows per statement; the vectors
    /// travel as one binary `real[]` per statement and are cut and cast on the server.
    static func insert(_ rows: Rows, into space: SpaceRecord, session: PostgresSession, batch: Int = 4096) throws {
        let table = try table(of: space)
        let d = space.dimension
        var start = 0
        while start < rows.ids.count {
            let end = min(start + batch, rows.ids.count)
            let values = Array(rows.values[(start * d)..<(end * d)])
            try session.run("""
                INSERT INTO \(unescaped: table) (id, file_id, part, modality, v)
                SELECT t.id, t.file_id, t.part, t.modality,
                       (x.vals[(t.n - 1) * \(Int32(d)) + 1 : t.n * \(Int32(d))])\(unescaped: cast(space))
                FROM unnest(\(Array(rows.ids[start..<end]))::bigint[], \(Array(rows.files[start..<end]))::bigint[],
                            \(Array(rows.parts[start..<end]))::integer[], \(Array(rows.modalities[start..<end]))::text[])
                     WITH ORDINALITY AS t(id, file_id, part, modality, n),
                     (SELECT \(values)::real[] AS vals) AS x
                """)
            start = end
        }
    }

    /// `n` new row ids, in increasing order.
    static func newRowIDs(_ n: Int, session: PostgresSession) throws -> [Int64] {
        guard n > 0 else { return [] }
        return try session.query("SELECT nextval('mmsearch.row_id') FROM generate_series(1, \(Int64(n)))")
            .map { try $0.decode(Int64.self) }
    }

    /// Compaction: PostgreSQL reuses the space of deleted rows by itself (autovacuum);
    /// compaction rewrites the table without them (`VACUUM FULL`, which rebuilds its indexes)
    /// and converts it to another element type when asked (`vector` ↔ `halfvec`, HNSW index
    /// rebuilt for the new type).
    static func compact(_ space: SpaceRecord, to storage: VectorStorage?, store: PostgresStore,
                        session: PostgresSession) throws -> CompactedSpace {
        let before = VectorStorage(rawValue: space.elementType) ?? .f32
        let after = storage ?? before
        let holders = try rowServers(store).map(PostgresSession.connect)
        let name = space.vectorFile
        _ = try table(of: space)  // a name that is one of ours, before it goes into SQL
        func bytes() throws -> Int {
            try holders.reduce(0) { sum, holder in
                sum + Int(try holder.query("""
                    SELECT coalesce(pg_total_relation_size(to_regclass(\("mmsearch." + name))), 0)
                    """)[0].decode(Int64.self))
            }
        }
        let bytesBefore = try bytes()
        if after != before {
            var converted = space
            converted.elementType = after.rawValue
            let type = Self.type(of: converted)
            for holder in holders {
                try holder.transaction {
                    let graph = try graphExists(space, in: holder)
                    try holder.run(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS mmsearch.\(name)_hnsw"))
                    try holder.run(PostgresQuery(unsafeSQL: """
                        ALTER TABLE mmsearch.\(name) ALTER COLUMN v TYPE \(type)(\(space.dimension))
                        USING v::real[]::\(type)(\(space.dimension))
                        """))
                    if graph { try holder.run(PostgresQuery(unsafeSQL: graphDDL(converted))) }
                }
            }
            if try !store.shardList().isEmpty {
                try session.run(PostgresQuery(unsafeSQL: """
                    ALTER TABLE mmsearch.\(name) ALTER COLUMN v TYPE \(type)(\(space.dimension))
                    """))
            }
            try session.run("UPDATE mmsearch.space SET element_type = \(after.rawValue) WHERE id = \(space.id)")
        }
        for holder in holders {
            try holder.run(PostgresQuery(unsafeSQL: "VACUUM (FULL, ANALYZE) mmsearch.\(name)"))
        }
        let rows = Int(try session.query("SELECT live_rows FROM mmsearch.space WHERE id = \(space.id)")[0].decode(Int64.self))
        return CompactedSpace(space: space.spaceID, rowsBefore: rows, rowsAfter: rows, bytesBefore: bytesBefore,
                              bytesAfter: try bytes(), storageBefore: before, storageAfter: after, rewritten: true)
    }
}
