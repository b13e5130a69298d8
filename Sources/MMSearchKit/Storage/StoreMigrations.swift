import GRDB

extension CatalogSchema {
    /// The store for scale: content hashes (moves and copies are not embedded again), vector
    /// row ranges (a text file has one row per chunk), the committed row count and tombstones
    /// of each space (a reader learns which rows are live without reading the file table), and
    /// text chunks with their byte offsets.
    static func registerStoreMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("store-1: content hashes, row ranges, tombstones, chunks") { db in
            // XXH64 of the file's bytes, as a signed 64-bit integer; NULL when never hashed.
            try db.alter(table: "file") { t in
                t.add(column: "content_hash", .integer)
                // Rows from `vector_row` on that belong to the file (a text file: one per chunk).
                t.add(column: "vector_count", .integer).notNull().defaults(to: 1)
            }
            try db.create(index: "file_by_hash", on: "file", columns: ["space_id", "content_hash"])
            // Every row of the segment below `row_count` belongs to exactly one `ok` file or
            // to a tombstone; rows at or above it are not visible yet (or were never committed).
            // `epoch` grows whenever rows are renumbered or lost (compaction, a vanished
            // segment): a reader then forgets what it knew about the space and reads it afresh.
            try db.alter(table: "space") { t in
                t.add(column: "row_count", .integer).notNull().defaults(to: 0)
                t.add(column: "epoch", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "tombstone") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("space_id", .integer).notNull().references("space", onDelete: .cascade)
                t.column("first_row", .integer).notNull()
                t.column("row_count", .integer).notNull()
            }
            try db.create(index: "tombstone_by_space", on: "tombstone", columns: ["space_id", "seq"])
            try db.create(table: "chunk") { t in
                t.column("file_id", .integer).notNull().references("file", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                // Byte offsets of the chunk in the file: [byte_start, byte_end).
                t.column("byte_start", .integer).notNull()
                t.column("byte_end", .integer).notNull()
                t.column("text", .text).notNull()
                t.primaryKey(["file_id", "idx"])
            }

            // Small codes for modalities, as the segments' tag files store them (0 = unknown).
            try db.create(table: "modality_code") { t in
                t.primaryKey("code", .integer)
                t.column("name", .text).notNull().unique()
            }

            // Indexes from before: rows nobody refers to (replaced vectors) become tombstones.
            for space in try Int64.fetchAll(db, sql: "SELECT id FROM space") {
                let used = try Int64.fetchAll(db, sql: """
                    SELECT vector_row FROM file
                    WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
                    ORDER BY vector_row
                    """, arguments: [space])
                var next: Int64 = 0
                for row in used where row >= next {
                    if row > next {
                        try db.execute(sql: """
                            INSERT INTO tombstone (space_id, first_row, row_count) VALUES (?, ?, ?)
                            """, arguments: [space, next, row - next])
                    }
                    next = row + 1
                }
                try db.execute(sql: "UPDATE space SET row_count = ? WHERE id = ?", arguments: [next, space])
            }
        }
    }
}
