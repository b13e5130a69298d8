import GRDB

/// The catalog's schema, as a list of named migrations. Never edit a migration that has
/// shipped: add a new one. Each group of migrations lives in its own file and registers itself
/// below, so that groups added side by side merge as one line each.
enum CatalogSchema {
    /// The number of migrations; stored in the `meta` table once they have run.
    static var version: Int { migrator.migrations.count }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: spaces, files, meta") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "space") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("dimension", .integer).notNull()
                t.column("fingerprint", .text).notNull()
                t.column("element_type", .text).notNull()
                t.column("segment", .text).notNull().unique()
                t.column("created_at", .double).notNull()
                t.uniqueKey(["name", "dimension", "fingerprint"])
            }
            try db.create(table: "file") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull()
                t.column("space_id", .integer).notNull()
                    .references("space", onDelete: .cascade)
                t.column("size", .integer).notNull()
                t.column("mtime_ns", .integer).notNull()
                t.column("modality", .text).notNull()
                t.column("vector_row", .integer)
                t.column("status", .text).notNull()
                t.column("error", .text)
                t.column("indexed_at", .double).notNull()
                t.uniqueKey(["path", "space_id"])
            }
            try db.create(index: "file_by_space_status", on: "file",
                          columns: ["space_id", "status", "vector_row"])
            try setVersion(1, in: db)
        }
        // The plugin host's tables, in a migration of their own (see PluginCatalog).
        PluginCatalog.register(in: &migrator)
        // The store for scale (see StoreMigrations).
        registerStoreMigrations(in: &migrator)
        // Transcripts: chunk time ranges and file notes (see PassageMigrations).
        registerPassageMigrations(in: &migrator)
        // Zero-shot labels (see LabelStore).
        LabelStore.register(in: &migrator)
        // The keyword index of hybrid search (see TextSearchIndex; after labels, which it reads).
        TextSearchIndex.register(in: &migrator)
        return migrator
    }

    /// Records `version` in the `meta` table; called after migrating.
    static func recordVersion(in db: Database) throws {
        try setVersion(version, in: db)
    }

    private static func setVersion(_ version: Int, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                       arguments: [String(version)])
    }
}
