import Foundation
import MMSearchKit
import PostgresNIO

/// The PostgreSQL store: an index in a PostgreSQL database with pgvector, shared by everyone
/// who can reach the server. The catalog is tables (`PostgresSchema`); each space's vectors are
/// a table of `vector(d)` (f32) or `halfvec(d)` (f16) rows with an HNSW index for inner
/// product. On a sharded store (`PostgresShards.initialize`) that table is partitioned by hash
/// of the file id over foreign tables on shard servers (postgres_fdw), so each shard scans its
/// own rows and sends back only its best ones.
///
/// How it keeps the storage contract (`IndexStore`):
/// - *Spaces never mix*: the space row holds the fingerprint; `writer(for:)` and readers
///   compare it as the embedded store does, with the same message.
/// - *Several writers*: unlike the embedded store's single writer, any number of indexers (on
///   any machines) write at once. Each `SpaceWriter` call is one transaction keyed by path
///   (upserts), and files are claimed before they are embedded (`claim`), so each is embedded
///   by one of them; a claim dies with its writer's connection.
/// - *Atomic commits, visibility, crashes*: PostgreSQL's transactions. A reader's `read` is one
///   REPEATABLE READ transaction: rows, records, labels and keywords as of one moment.
public final class PostgresStore: IndexStore, Sendable {
    public let server: PostgresLocation
    let pool: SessionPool
    /// The shards, read once (a store's shards are fixed when it is set up).
    private let shards = Locked<[PostgresShards.Shard]?>(nil)
    /// Set once the schema was found readable (`PostgresSchema.isReadable`): migrations only ever
    /// add, so every later operation of this value skips asking again.
    private let schemaReadable = Locked(false)
    /// Live rows below which a search scans every row (exact) rather than the HNSW graph.
    public let exactBelow: Int

    public init(_ server: PostgresLocation, exactBelow: Int = 20_000) {
        self.server = server
        self.pool = SessionPool(location: server)
        self.exactBelow = exactBelow
    }

    public convenience init(url: String) throws {
        self.init(try PostgresLocation(url: url))
    }

    public var location: String { server.description }

    /// The shards of a sharded store; empty for one server.
    func shardList() throws -> [PostgresShards.Shard] {
        if let known = shards.withLock({ $0 }) { return known }
        let list = try reading { try PostgresShards.list(in: $0) }
        shards.withLock { $0 = list }
        return list
    }

    /// The foreign tables that hold `space`'s rows on the shards; empty for one server.
    func partitions(of space: SpaceRecord) throws -> [String] {
        let table = try VectorTables.table(of: space)
        return try shardList().map { "\(table)_s\($0.index)" }
    }
    public var ownFolders: [String] { [] }

    public func exists() -> Bool {
        (try? pool.withSession { try PostgresSchema.isReadable($0) }) ?? false
    }

    /// Runs `body` on a session of a store whose schema is readable; a missing one is
    /// `indexMissing`.
    func reading<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try pool.withSession { session in
            if !schemaReadable.withLock({ $0 }) {
                guard try PostgresSchema.isReadable(session) else { throw MMSearchError.indexMissing(location) }
                schemaReadable.withLock { $0 = true }
            }
            return try body(session)
        }
    }

    public func spaces() throws -> [SpaceRecord] {
        try reading { try Self.spaces(in: $0) }
    }

    static func spaces(in session: PostgresSession) throws -> [SpaceRecord] {
        try session.query("""
            SELECT id, name, dimension, fingerprint, element_type, vector_table, created_at, live_rows
            FROM mmsearch.space ORDER BY id
            """).map { row in
            let (id, name, dimension, fingerprint, type, table, created, rows) =
                try row.decode((Int64, String, Int32, String, String, String, Double, Int64).self)
            return SpaceRecord(id: id, name: name, dimension: Int(dimension), fingerprint: fingerprint,
                               elementType: type, vectorFile: table, createdAt: created, rowCount: Int(rows))
        }
    }

    /// An index written before settings existed (migration pg-2) has none.
    public func setting(_ key: IndexSetting) throws -> String? {
        guard exists() else { return nil }
        return try reading { session in
            guard try session.query("SELECT to_regclass('mmsearch.setting') IS NOT NULL").first?.decode(Bool.self) ?? false
            else { return nil }
            return try session.query("SELECT value FROM mmsearch.setting WHERE key = \(key.rawValue)")
                .first?.decode(String.self)
        }
    }

    public func writer(for space: SpaceID, storage: VectorStorage, besideOthers: Bool) throws -> any SpaceWriter {
        let session = try PostgresSession.connect(server)
        try PostgresSchema.migrate(session)
        let active = try session.query("SELECT value FROM mmsearch.setting WHERE key = \(IndexSetting.activeSpace.rawValue)")
            .first?.decode(String.self)
        let record = try SpaceRecord.matching(space, in: Self.spaces(in: session), active: active, besideOthers: besideOthers)
            ?? VectorTables.addSpace(space, storage: storage, store: self, session: session)
        return try PostgresWriter(store: self, session: session, space: record)
    }

    public func record(_ key: IndexSetting, _ value: String) throws {
        let session = try PostgresSession.connect(server)
        try PostgresSchema.migrate(session)
        try session.run("""
            INSERT INTO mmsearch.setting (key, value) VALUES (\(key.rawValue), \(value))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
    }

    /// One transaction on the coordinator (a reader sees the space whole or not at all); on a
    /// sharded store the shards' tables go after it. Refused while an indexer holds claims in
    /// the space (it is being written).
    public func drop(_ space: SpaceRecord) throws {
        let session = try PostgresSession.connect(server)
        try PostgresSchema.migrate(session)
        let table = try VectorTables.table(of: space)
        let shards = try PostgresShards.list(in: session)
        try session.transaction {
            try session.run("SELECT pg_advisory_xact_lock(hashtext('mmsearch.space'))")
            let writing = try session.query("""
                SELECT count(*) FROM mmsearch.claim c JOIN pg_stat_activity a
                  ON a.pid = c.pid AND a.backend_start = c.backend_start
                WHERE c.space_id = \(space.id)
                """)[0].decode(Int64.self)
            if writing > 0 {
                throw MMSearchError(.fatal, "\(location): an indexer is writing to \(space.spaceID) now", reason: .indexLocked)
            }
            try session.run("DELETE FROM mmsearch.space WHERE id = \(space.id)")
            try session.run(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"))
        }
        for shard in shards {
            let remote = try PostgresSession.connect(try PostgresLocation(url: shard.url))
            try remote.run(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"))
        }
    }

    public func reader(for space: SpaceRecord) throws -> any SpaceReader {
        PostgresReader(store: self, space: space)
    }

    public func counts(of space: SpaceRecord) throws -> SpaceCounts {
        try reading { session in
            var counts = SpaceCounts()
            for row in try session.query("""
                SELECT status, count(*) FROM mmsearch.file WHERE space_id = \(space.id) GROUP BY status
                """) {
                let (status, n) = try row.decode((String, Int64).self)
                if status == "ok" { counts.ok = Int(n) } else { counts.failed = Int(n) }
            }
            counts.withoutSpeech = try session.query("""
                SELECT note FROM mmsearch.file WHERE space_id = \(space.id) AND status = 'ok' AND note IS NOT NULL
                """).map { try $0.decode(String.self) }.filter { FileNote(stored: $0).noSpeech }.count
            counts.modalities = try session.query("""
                SELECT modality, count(*) FROM mmsearch.file
                WHERE space_id = \(space.id) AND status = 'ok' AND vector_count > 0
                GROUP BY modality ORDER BY modality COLLATE "C"
                """).map { row in
                let (modality, n) = try row.decode((String, Int64).self)
                return (Modality(rawValue: modality), Int(n))
            }
            counts.labels = try session.query("""
                SELECT l.name, count(*) FROM mmsearch.label l JOIN mmsearch.file f ON f.id = l.file_id
                WHERE f.space_id = \(space.id) GROUP BY l.name ORDER BY l.name COLLATE "C"
                """).map { row in
                let (name, n) = try row.decode((String, Int64).self)
                return (name, Int(n))
            }
            counts.dates = try PhotoRows.dateCounts(space: space, in: session)
            return counts
        }
    }

    public func failures(in space: SpaceRecord?) throws -> [FileRecord] {
        try reading { session in
            try session.query("""
                SELECT \(unescaped: FileRows.columns) FROM mmsearch.file
                WHERE status = 'failed' AND (\(space?.id)::bigint IS NULL OR space_id = \(space?.id))
                ORDER BY path
                """).map(FileRows.record)
        }
    }

    public func notes(in space: SpaceRecord) throws -> [(path: String, note: FileNote)] {
        try reading { session in
            try session.query("""
                SELECT path, note FROM mmsearch.file
                WHERE space_id = \(space.id) AND status = 'ok' AND note IS NOT NULL ORDER BY path
                """).map { row in
                let (path, note) = try row.decode((String, String).self)
                return (path, FileNote(stored: note))
            }
        }
    }

    public func replaceLabels(_ entries: [(fileID: Int64, labels: [LabelScore])], in space: SpaceRecord) throws {
        guard !entries.isEmpty else { return }
        try reading { session in
            try session.transaction {
                let ids = entries.map(\.fileID)
                try session.run("DELETE FROM mmsearch.label WHERE file_id = ANY(\(ids))")
                var files: [Int64] = [], names: [String] = [], probabilities: [Double] = []
                for entry in entries {
                    for label in entry.labels {
                        files.append(entry.fileID)
                        names.append(label.label)
                        probabilities.append(Double(label.probability))
                    }
                }
                try session.run("""
                    INSERT INTO mmsearch.label (file_id, name, probability)
                    SELECT * FROM unnest(\(files)::bigint[], \(names)::text[], \(probabilities)::float8[])
                    """)
                try KeywordIndex.refreshFileDocuments(ids, in: session)
            }
        }
    }

    public func compact(storage: VectorStorage?) throws -> [CompactedSpace] {
        try reading { session in
            try Self.spaces(in: session).map { space in
                try VectorTables.compact(space, to: storage, store: self, session: session)
            }
        }
    }

    public func check() throws -> IntegrityReport {
        try reading { session in try PostgresIntegrity.check(self, session: session) }
    }

    public func repair() throws -> RepairReport {
        try reading { session in try PostgresIntegrity.repair(self, session: session) }
    }
}

/// How `file` rows become `FileRecord`s.
enum FileRows {
    static let columns = """
        id, path, space_id, size, mtime_ns, modality, vector_row, vector_count, content_hash, status, error, \
        indexed_at, note
        """

    static func record(_ row: PostgresRow) throws -> FileRecord {
        let (id, path, space, size, mtime, modality, vectorRow, count, hash, status, error, indexed, note) =
            try row.decode((Int64, String, Int64, Int64, Int64, String, Int64?, Int32, Int64?, String, String?,
                            Double, String?).self)
        return FileRecord(id: id, path: path, spaceID: space, size: size, mtimeNs: mtime,
                          modality: Modality(rawValue: modality), vectorRow: vectorRow, vectorCount: Int(count),
                          contentHash: hash, status: FileStatus(rawValue: status) ?? .failed, error: error,
                          indexedAt: indexed, note: note)
    }
}

extension Index {
    /// The index in the PostgreSQL database at `url` (see `PostgresStore`); opens nothing yet.
    public static func postgres(url: String) throws -> Index {
        Index(store: try PostgresStore(url: url))
    }
}

extension PostgresStore {
    /// The plan PostgreSQL makes for a search of `space` (`EXPLAIN (VERBOSE, COSTS OFF)`, or
    /// with `analyze` also run and timed): on a sharded store it shows the ordering by
    /// distance sent to each shard in its Remote SQL.
    public func explainSearch(_ space: SpaceRecord, vector: [Float], k: Int, approximate: Bool,
                              analyze: Bool = false) throws -> [String] {
        try reading { session in
            try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                if approximate { try PostgresSnapshot.prepareApproximateSearch(k: k, in: session) }
                let sql = "EXPLAIN (VERBOSE, COSTS OFF\(analyze ? ", ANALYZE, TIMING OFF, SUMMARY OFF" : ""))\n"
                    + (try PostgresSnapshot.searchStatement(space, approximate: approximate,
                                                            partitions: try partitions(of: space)))
                let binds = PostgresSnapshot.searchBinds(vector, k: k, modalities: nil, files: nil)
                return try session.query(PostgresQuery(unsafeSQL: sql, binds: binds)).map { try $0.decode(String.self) }
            }
        }
    }

    /// How many sessions the `mmsearch` processes `processes` (by process id) still hold on the
    /// server: a killed process's sessions end once the server notices its closed connection.
    public func sessions(of processes: [Int32]) throws -> Int {
        let names = processes.map { PostgresSession.applicationName(process: $0) }
        return Int(try PostgresSession.connect(server).query("""
            SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY(\(names))
            """)[0].decode(Int64.self))
    }

    /// Creates the database `name` on the server of `server` (connecting to the database the
    /// URL names) and returns the URL of the new one. For setting up stores: tests, benchmarks.
    public static func createDatabase(_ name: String, on server: String) throws -> String {
        let location = try PostgresLocation(url: server)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw MMSearchError(.usage, "'\(name)' is not a database name mmsearch creates (letters, digits, _)")
        }
        try PostgresSession.connect(location).run(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        var created = location
        created.database = name
        return created.url
    }

    /// Sets up a sharded store on empty servers: `coordinator` (the URL every mmsearch command
    /// then names) and `shards` (see `PostgresShards`).
    public static func initializeSharded(coordinator: String, shards: [String]) throws {
        try PostgresShards.initialize(coordinator: PostgresLocation(url: coordinator),
                                      shards: shards.map(PostgresLocation.init(url:)))
    }
}
