import Foundation
import MMSearchKit
import PostgresNIO

/// A store spread over several PostgreSQL servers, the PostgreSQL way: mmsearch talks to one
/// coordinator, which holds the catalog and, for each space, a vector table partitioned by hash
/// of the file id whose partitions are `postgres_fdw` foreign tables on the shards:
///
///     coordinator: mmsearch.vectors_<id>  PARTITION BY HASH (file_id)
///                    mmsearch.vectors_<id>_s<i>  FOREIGN TABLE … SERVER mmsearch_shard_<i>
///     shard i:     mmsearch.vectors_<id>  (rows, primary key, HNSW index)
///
/// The foreign servers are created with `extensions 'vector'` (pgvector's operators and casts
/// are shipped to the shards, so each shard orders its own rows by distance and sends back
/// only its best) and `async_capable 'true'` (the shards scan at the same time). A shard's
/// HNSW search width is set in the server's connection options, since settings of the
/// coordinator's session do not travel.
enum PostgresShards {
    struct Shard {
        let index: Int
        let url: String
        let server: String
    }

    /// The shards of the store; empty for a single server.
    static func list(in session: PostgresSession) throws -> [Shard] {
        try session.query("SELECT idx, url, server FROM mmsearch.shard ORDER BY idx").map { row in
            let (index, url, server) = try row.decode((Int32, String, String).self)
            return Shard(index: Int(index), url: url, server: server)
        }
    }

    /// HNSW settings of the shards' sessions (`hnsw.ef_search`, iterative scans for filters;
    /// `PostgresSnapshot.shardSearchWidth`).
    static let shardSessionOptions =
        "-c hnsw.ef_search=\(PostgresSnapshot.shardSearchWidth) -c hnsw.iterative_scan=strict_order"

    /// Sets up a sharded store on empty servers: the schema on the coordinator, pgvector on
    /// every shard, and a foreign server with a user mapping for each shard. Refuses a
    /// coordinator that already holds an index.
    static func initialize(coordinator: PostgresLocation, shards: [PostgresLocation]) throws {
        guard shards.count >= 1 else { throw MMSearchError(.usage, "--shards needs at least one shard URL") }
        for shard in shards {
            let session = try PostgresSession.connect(shard)
            try PostgresSchema.ensureVector(session, needed: " on every shard")
            try session.run("CREATE SCHEMA IF NOT EXISTS mmsearch")
            let tables = try session.query("""
                SELECT count(*) FROM pg_tables WHERE schemaname = 'mmsearch' AND tablename LIKE 'vectors\\_%'
                """)[0].decode(Int64.self)
            guard tables == 0 else {
                throw MMSearchError(.usage, "shard \(shard) already holds mmsearch vectors: give empty servers")
            }
        }
        let session = try PostgresSession.connect(coordinator)
        try PostgresSchema.migrate(session)
        try session.transaction {
            let spaces = try session.query("SELECT count(*) FROM mmsearch.space")[0].decode(Int64.self)
            let known = try list(in: session)
            guard spaces == 0, known.isEmpty else {
                throw MMSearchError(.usage, "\(coordinator) already holds an index"
                                    + (known.isEmpty ? "" : " with \(known.count) shards") + ": give an empty database")
            }
            try session.run("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
            for (i, shard) in shards.enumerated() {
                let server = "mmsearch_shard_\(i + 1)"
                try session.run(PostgresQuery(unsafeSQL: """
                    CREATE SERVER \(server) FOREIGN DATA WRAPPER postgres_fdw OPTIONS (
                        host \(literal(shard.host)), port \(literal(String(shard.port))), dbname \(literal(shard.database)),
                        extensions 'vector', async_capable 'true', fetch_size '100',
                        application_name 'mmsearch-coordinator', options \(literal(shardSessionOptions)))
                    """))
                var mapping = "user \(literal(shard.user))"
                if let password = shard.password { mapping += ", password \(literal(password))" }
                try session.run(PostgresQuery(unsafeSQL: """
                    CREATE USER MAPPING FOR CURRENT_USER SERVER \(server) OPTIONS (\(mapping))
                    """))
                try session.run("""
                    INSERT INTO mmsearch.shard (idx, url, server) VALUES (\(Int32(i + 1)), \(shard.url), \(server))
                    """)
            }
        }
    }

    /// Creates a space's vector table on every shard and the partitioned table over them on
    /// the coordinator (inside the caller's transaction there).
    static func createVectorTable(_ space: SpaceRecord, shards: [Shard], session: PostgresSession) throws {
        for shard in shards {
            let remote = try PostgresSession.connect(try PostgresLocation(url: shard.url))
            for statement in VectorTables.rowTableDDL(space, name: space.vectorFile, withDefault: false) {
                try remote.run(PostgresQuery(unsafeSQL: statement))
            }
        }
        let table = "mmsearch." + space.vectorFile
        try session.run(PostgresQuery(unsafeSQL: """
            CREATE TABLE \(table) (
                id bigint NOT NULL, file_id bigint NOT NULL, part integer NOT NULL, modality text NOT NULL,
                v \(VectorTables.type(of: space))(\(space.dimension)) NOT NULL)
            PARTITION BY HASH (file_id)
            """))
        for shard in shards {
            try session.run(PostgresQuery(unsafeSQL: """
                CREATE FOREIGN TABLE \(table)_s\(shard.index) PARTITION OF \(table)
                FOR VALUES WITH (MODULUS \(shards.count), REMAINDER \(shard.index - 1))
                SERVER \(shard.server) OPTIONS (schema_name 'mmsearch', table_name \(literal(space.vectorFile)))
                """))
        }
    }

    /// After a failed statement on a sharded store: the shards that cannot be reached, named,
    /// as one error; nil when every shard answers (the failure was something else).
    static func unreachable(_ store: PostgresStore) -> MMSearchError? {
        guard let shards = try? store.shardList(), !shards.isEmpty else { return nil }
        var down: [String] = []
        for shard in shards {
            guard let location = try? PostgresLocation(url: shard.url) else { continue }
            do {
                _ = try PostgresSession.connect(location).query("SELECT 1")
            } catch {
                let message = ((error as? MMSearchError)?.message ?? "\(error)")
                    .replacingOccurrences(of: "\(location): ", with: "").replacingOccurrences(of: "\(location) ", with: "")
                // "cannot be reached: connection refused", or the server's own reason (a shard
                // that is shutting down still answers, with "the database system is shutting down").
                down.append("shard \(shard.index) (\(location)) "
                            + (message.hasPrefix("cannot be reached") ? message : "cannot be reached: " + message))
            }
        }
        guard !down.isEmpty else { return nil }
        return MMSearchError(.fatal, "\(store.location): \(down.count) of \(shards.count) shards cannot be reached, "
                             + "so no complete answer can be given: " + down.joined(separator: "; "))
    }

    /// `text` as an SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
