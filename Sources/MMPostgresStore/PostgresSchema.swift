import MMSearchKit
import PostgresNIO

/// The PostgreSQL store's schema: every named migration, in the order they run, in this one
/// place, as `CatalogSchema` is for the embedded store. Never edit a migration that has
/// shipped: add a new one at the end. Everything lives in the schema `mmsearch` of the database
/// the URL names, so an index can share a database with other applications.
///
/// Tables (see docs/ARCHITECTURE.md, "The PostgreSQL store"):
///
///     migration      (name, applied_at)                 which migrations ran, in order
///     space          one row per vector space: name, dimension, fingerprint, element_type
///                    (f32 → vector, f16 → halfvec), vector_table, live_rows
///     file           one row per file and space: path (C collation: byte order, as the
///                    embedded catalog), size, mtime_ns, modality, vector_row, vector_count,
///                    content_hash, status ok|failed, error, indexed_at, note, encoder
///     chunk          the parts of a file that are rows of their own (text chunks, passages,
///                    text read in images with its region_x, region_y, region_width, region_height)
///     media_segment  the parts under a file's one row (video frames), vectors as real[]
///     label          zero-shot labels (file_id, name, probability)
///     keyword_doc    the keyword index: a tsvector per file (path words, labels) and per
///                    chunk (its text), with its length in words, for BM25 ranking
///     claim          files an indexer is embedding now (space_id, path, and the server
///                    process of its connection: a claim whose process is gone is void)
///     shard          the shard servers of a sharded store (none for a single server)
///     setting        index-wide settings (key, value): the precision a run embedded at
///     photo          what an image's EXIF said, once read: taken_local (wall-clock seconds),
///                    taken_offset, camera_make, camera_model, latitude, longitude, orientation
///     vectors_<id>   one table per space: (id, file_id, part, modality, v vector(d)) with an
///                    HNSW index for inner product; on a sharded store, a table partitioned
///                    by hash of file_id whose partitions are foreign tables on the shards
enum PostgresSchema {
    static let schema = "mmsearch"

    /// Named migrations, oldest first.
    static let migrations: [(name: String, sql: String)] = [
        ("pg-1: spaces, files, parts, labels, keyword documents, shards", """
        CREATE TABLE mmsearch.space (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            dimension integer NOT NULL,
            fingerprint text NOT NULL,
            element_type text NOT NULL,
            vector_table text NOT NULL UNIQUE,
            created_at double precision NOT NULL,
            live_rows bigint NOT NULL DEFAULT 0,
            UNIQUE (name, dimension, fingerprint)
        );
        CREATE SEQUENCE mmsearch.row_id;
        CREATE TABLE mmsearch.file (
            id bigserial PRIMARY KEY,
            space_id bigint NOT NULL REFERENCES mmsearch.space ON DELETE CASCADE,
            path text COLLATE "C" NOT NULL,
            size bigint NOT NULL,
            mtime_ns bigint NOT NULL,
            modality text NOT NULL,
            vector_row bigint,
            vector_count integer NOT NULL DEFAULT 0,
            content_hash bigint,
            status text NOT NULL CHECK (status IN ('ok', 'failed')),
            error text,
            indexed_at double precision NOT NULL,
            note text,
            encoder text,
            UNIQUE (space_id, path)
        );
        CREATE INDEX file_by_hash ON mmsearch.file (space_id, content_hash);
        CREATE TABLE mmsearch.chunk (
            file_id bigint NOT NULL REFERENCES mmsearch.file ON DELETE CASCADE,
            idx integer NOT NULL,
            byte_start integer NOT NULL,
            byte_end integer NOT NULL,
            text text NOT NULL,
            start_s double precision,
            end_s double precision,
            PRIMARY KEY (file_id, idx)
        );
        CREATE TABLE mmsearch.media_segment (
            file_id bigint NOT NULL REFERENCES mmsearch.file ON DELETE CASCADE,
            ordinal integer NOT NULL,
            start_s double precision NOT NULL,
            end_s double precision NOT NULL,
            vector real[] NOT NULL,
            PRIMARY KEY (file_id, ordinal)
        );
        CREATE TABLE mmsearch.label (
            file_id bigint NOT NULL REFERENCES mmsearch.file ON DELETE CASCADE,
            name text NOT NULL,
            probability double precision NOT NULL,
            PRIMARY KEY (file_id, name)
        );
        CREATE INDEX label_by_name ON mmsearch.label (name);
        CREATE TABLE mmsearch.keyword_doc (
            file_id bigint NOT NULL REFERENCES mmsearch.file ON DELETE CASCADE,
            part integer NOT NULL,
            space_id bigint NOT NULL,
            words tsvector NOT NULL,
            length integer NOT NULL,
            PRIMARY KEY (file_id, part)
        );
        CREATE INDEX keyword_doc_words ON mmsearch.keyword_doc USING gin (words);
        CREATE INDEX keyword_doc_by_space ON mmsearch.keyword_doc (space_id);
        CREATE TABLE mmsearch.claim (
            space_id bigint NOT NULL REFERENCES mmsearch.space ON DELETE CASCADE,
            path text COLLATE "C" NOT NULL,
            pid integer NOT NULL,
            backend_start timestamptz NOT NULL,
            PRIMARY KEY (space_id, path)
        );
        CREATE TABLE mmsearch.shard (
            idx integer PRIMARY KEY,
            url text NOT NULL,
            server text NOT NULL
        );
        """),
        ("pg-2: index-wide settings", """
        CREATE TABLE mmsearch.setting (
            key text PRIMARY KEY,
            value text NOT NULL
        );
        """),
        ("pg-3: photo details", """
        CREATE TABLE mmsearch.photo (
            file_id bigint PRIMARY KEY REFERENCES mmsearch.file ON DELETE CASCADE,
            taken_local bigint,
            taken_offset integer,
            camera_make text,
            camera_model text,
            latitude double precision,
            longitude double precision,
            orientation smallint
        );
        CREATE INDEX photo_by_taken ON mmsearch.photo (taken_local);
        """),
        // Text read in images: each block's box in pixels of the upright image (NULL for other
        // chunks). Readers work without it (`ChunkRegions.exist`).
        ("pg-4: regions of text read in images", """
        ALTER TABLE mmsearch.chunk ADD COLUMN region_x integer, ADD COLUMN region_y integer,
            ADD COLUMN region_width integer, ADD COLUMN region_height integer;
        """),
    ]

    /// Whether the schema exists with every migration applied; throws `indexTooNew` for a
    /// schema with migrations this mmsearch does not know. (`isReadable`: enough to read.)
    static func isCurrent(_ session: PostgresSession) throws -> Bool {
        try applied(session).map { $0.count == migrations.count } ?? false
    }

    /// Whether the schema exists with the first migration applied and none this mmsearch does
    /// not know: what reads need. Later migrations add what readers treat as optional (a
    /// writer applies them), so an index keeps answering queries across an upgrade.
    static func isReadable(_ session: PostgresSession) throws -> Bool {
        try applied(session)?.contains(migrations[0].name) ?? false
    }

    /// The migrations applied, nil when there is no schema.
    private static func applied(_ session: PostgresSession) throws -> [String]? {
        let present = try session.query("""
            SELECT to_regclass('mmsearch.migration') IS NOT NULL
            """).first?.decode(Bool.self) ?? false
        guard present else { return nil }
        let applied = try session.query("SELECT name FROM mmsearch.migration ORDER BY applied_at, name")
            .map { try $0.decode(String.self) }
        let known = Set(migrations.map(\.name))
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw MMSearchError(.fatal, "\(session.location) holds an index written by a newer mmsearch "
                                + "(migration '\(unknown)')", reason: .indexTooNew)
        }
        return applied
    }

    /// Creates the schema and runs the migrations that have not run, in one transaction under
    /// an advisory lock (two indexers starting at once migrate once). Needs the `vector`
    /// extension, which it creates when missing (a superuser's or the database owner's right).
    static func migrate(_ session: PostgresSession) throws {
        if try isCurrent(session) { return }
        try session.transaction {
            try session.run("SELECT pg_advisory_xact_lock(hashtext('mmsearch.migrate'))")
            try ensureVector(session)
            try session.run("CREATE SCHEMA IF NOT EXISTS mmsearch")
            try session.run("""
                CREATE TABLE IF NOT EXISTS mmsearch.migration (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())
                """)
            let applied = Set(try session.query("SELECT name FROM mmsearch.migration").map { try $0.decode(String.self) })
            for migration in migrations where !applied.contains(migration.name) {
                for statement in statements(migration.sql) {
                    try session.run(PostgresQuery(unsafeSQL: statement))
                }
                try session.run("INSERT INTO mmsearch.migration (name) VALUES (\(migration.name))")
            }
        }
    }

    /// Creates the `vector` extension in the database of `session` when it is missing (a
    /// superuser's or the database owner's right); a server without pgvector is an error saying
    /// how to get it (`needed`: where it is needed, for the message).
    static func ensureVector(_ session: PostgresSession, needed: String = "") throws {
        let present = try session.query("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")
            .first?.decode(Int64.self) ?? 0
        guard present == 0 else { return }
        do {
            try session.run("CREATE EXTENSION IF NOT EXISTS vector")
        } catch let error as MMSearchError {
            throw MMSearchError(.fatal, "\(error.message): pgvector is needed\(needed) "
                                + "(Scripts/setup-postgres.sh install puts it on a Debian server)")
        }
    }

    /// The statements of a migration (separated by `;` at the end of a line).
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }
}
