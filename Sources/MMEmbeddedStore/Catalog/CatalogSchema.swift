import MMSearchKit
import GRDB

/// The catalog's schema: every named migration, in the order they run, in this one place
/// (GRDB's `DatabaseMigrator`). Never edit a migration that has shipped: add a new one at the
/// end. Migrations are written with SQL and strings, never with the app's types, so an old
/// catalog always migrates the same way.
///
/// Tables (see docs/ARCHITECTURE.md, "Which tables exist"):
///
///     meta           (key, value)                             schema_version
///     space          one row per vector space: name, dimension, fingerprint, element_type,
///                    segment (its vector file), row_count, epoch
///     file           one row per file and space: path, size, mtime_ns, modality, vector_row,
///                    vector_count, content_hash, status ok|failed, error, indexed_at, note
///     tombstone      dead row ranges of a space's vector file (seq, first_row, row_count)
///     chunk          the parts of a file that are rows of their own: text chunks, transcript
///                    passages, text read in images (file_id, idx, byte_start, byte_end, text,
///                    start_s, end_s, region_x, region_y, region_width, region_height)
///     media_segment  the parts of a file under its one row: video frames (file_id, ordinal,
///                    start_s, end_s, vector)
///     file_encoder   which encoder made a file's vectors (file_id, fingerprint)
///     modality_code  small codes for modalities, as the tag files store them
///     label          zero-shot labels (file_id, name, probability)
///     text_search    FTS5 keyword index of paths, labels and chunk texts (kept by triggers)
///     photo          what an image's EXIF said, once read (file_id, taken_local, taken_offset,
///                    camera_make, camera_model, latitude, longitude, orientation)
enum CatalogSchema {
    /// The number of migrations; stored in the `meta` table once they have run.
    static var version: Int { migrator.migrations.count }

    /// Names of migrations that later code refers to. Never renamed once shipped.
    static let partsMigration = "plugins v1: file encoder fingerprints, media segments"
    static let labelsMigration = "labels-1: zero-shot labels"
    static let keywordsMigration = "search-1: full-text index of paths, labels and text chunks"
    static let photosMigration = "photos-1: date taken, camera, position"
    static let imageTextMigration = "ocr-1: regions of text read in images"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // Spaces, files and the schema version.
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
        // Which encoder made each file's vectors, and the parts of a file under its one row
        // (a video's frames): both go with the file (ON DELETE CASCADE) and are written in
        // the transaction that records it.
        migrator.registerMigration(partsMigration) { db in
            try db.create(table: "file_encoder") { t in
                t.primaryKey("file_id", .integer).references("file", onDelete: .cascade)
                t.column("fingerprint", .text).notNull()
            }
            try db.create(table: "media_segment") { t in
                t.column("file_id", .integer).notNull().references("file", onDelete: .cascade)
                t.column("ordinal", .integer).notNull()
                t.column("start_s", .double).notNull()
                t.column("end_s", .double).notNull()
                t.column("vector", .blob).notNull()
                t.primaryKey(["file_id", "ordinal"])
            }
        }
        // The store for scale: content hashes (moves and copies are not embedded again), vector
        // row ranges (a text file has one row per chunk), the committed row count and tombstones
        // of each space (a reader learns which rows are live without reading the file table), and
        // text chunks with their byte offsets.
        migrator.registerMigration("store-1: content hashes, row ranges, tombstones, chunks") { db in
            // XXH64 of the file's bytes, as a signed 64-bit integer; NULL when never hashed.
            try db.alter(table: "file") { t in
                t.add(column: "content_hash", .integer)
                // Rows from `vector_row` on that belong to the file (a text file: one per chunk).
                t.add(column: "vector_count", .integer).notNull().defaults(to: 1)
            }
            try db.create(index: "file_by_hash", on: "file", columns: ["space_id", "content_hash"])
            // Every row of the vector file below `row_count` belongs to exactly one `ok` file or
            // to a tombstone; rows at or above it are not visible yet (or were never committed).
            // `epoch` grows whenever rows are renumbered or lost (compaction, a vanished
            // vector file): a reader then forgets what it knew about the space and reads it afresh.
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

            // Small codes for modalities, as the vector files' tag files store them (0 = unknown).
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
        // Transcripts searched as text: each chunk may have a time range in its recording, and
        // each file a note from its encoder (`no speech`, `first 3600 s of 5400 s indexed`).
        // Both optional: text files and older indexes have neither.
        migrator.registerMigration("passages-1: chunk time ranges, file notes") { db in
            try db.alter(table: "chunk") { t in
                // Seconds from the start of the recording: [start_s, end_s].
                t.add(column: "start_s", .double)
                t.add(column: "end_s", .double)
            }
            try db.alter(table: "file") { t in
                t.add(column: "note", .text)
            }
        }
        // Zero-shot labels (`mmsearch label --all`): a file's labels go with it, and with its
        // vectors when they are replaced.
        migrator.registerMigration(labelsMigration) { db in
            try db.create(table: "label") { t in
                t.column("file_id", .integer).notNull().references("file", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("probability", .double).notNull()
                t.primaryKey(["file_id", "name"])
            }
            try db.create(index: "label_by_name", on: "label", columns: ["name"])
        }
        // The keyword index of hybrid search (after labels, which it reads). Triggers keep it
        // in step with file, chunk and label, so every write changes it in the same transaction.
        migrator.registerMigration(keywordsMigration) { db in
            let parts = TextSearchIndex.partsPerFile
            try db.execute(sql: """
                CREATE VIRTUAL TABLE text_search USING fts5(path, labels, body,
                    tokenize = 'unicode61 remove_diacritics 2');

                CREATE TRIGGER text_search_file_insert AFTER INSERT ON file WHEN new.status = 'ok' BEGIN
                    INSERT INTO text_search (rowid, path, labels, body)
                    VALUES (new.id * \(parts), \(TextSearchIndex.pathWordsFunction)(new.path), '', '');
                END;
                CREATE TRIGGER text_search_file_update AFTER UPDATE OF path, status ON file BEGIN
                    DELETE FROM text_search WHERE rowid = old.id * \(parts);
                    INSERT INTO text_search (rowid, path, labels, body)
                    SELECT new.id * \(parts), \(TextSearchIndex.pathWordsFunction)(new.path),
                           COALESCE((SELECT group_concat(name, ' ') FROM label WHERE file_id = new.id), ''), ''
                    WHERE new.status = 'ok';
                END;
                CREATE TRIGGER text_search_file_delete AFTER DELETE ON file BEGIN
                    DELETE FROM text_search WHERE rowid >= old.id * \(parts) AND rowid < (old.id + 1) * \(parts);
                END;

                CREATE TRIGGER text_search_chunk_insert AFTER INSERT ON chunk WHEN new.idx < \(parts - 1) BEGIN
                    INSERT INTO text_search (rowid, path, labels, body)
                    VALUES (new.file_id * \(parts) + new.idx + 1, '', '', new.text);
                END;
                CREATE TRIGGER text_search_chunk_delete AFTER DELETE ON chunk BEGIN
                    DELETE FROM text_search WHERE rowid = old.file_id * \(parts) + old.idx + 1;
                END;

                CREATE TRIGGER text_search_label_insert AFTER INSERT ON label BEGIN
                    UPDATE text_search SET labels =
                        COALESCE((SELECT group_concat(name, ' ') FROM label WHERE file_id = new.file_id), '')
                    WHERE rowid = new.file_id * \(parts);
                END;
                CREATE TRIGGER text_search_label_delete AFTER DELETE ON label BEGIN
                    UPDATE text_search SET labels =
                        COALESCE((SELECT group_concat(name, ' ') FROM label WHERE file_id = old.file_id), '')
                    WHERE rowid = old.file_id * \(parts);
                END;

                INSERT INTO text_search (rowid, path, labels, body)
                SELECT f.id * \(parts), \(TextSearchIndex.pathWordsFunction)(f.path),
                       COALESCE((SELECT group_concat(name, ' ') FROM label WHERE file_id = f.id), ''), ''
                FROM file f WHERE f.status = 'ok';
                INSERT INTO text_search (rowid, path, labels, body)
                SELECT c.file_id * \(parts) + c.idx + 1, '', '', c.text FROM chunk c WHERE c.idx < \(parts - 1);
                """)
        }
        // What a photo's EXIF said (`PhotoTable`): a row once it was read, its columns NULL
        // where the file had no (usable) value. Dates taken are wall-clock seconds since 1970
        // (`WallClock`) with the UTC offset in seconds when the file gives one.
        migrator.registerMigration(photosMigration) { db in
            try db.create(table: "photo") { t in
                t.primaryKey("file_id", .integer).references("file", onDelete: .cascade)
                t.column("taken_local", .integer)
                t.column("taken_offset", .integer)
                t.column("camera_make", .text)
                t.column("camera_model", .text)
                t.column("latitude", .double)
                t.column("longitude", .double)
                t.column("orientation", .integer)
            }
            try db.create(index: "photo_by_taken", on: "photo", columns: ["taken_local"])
            try db.create(index: "photo_by_latitude", on: "photo", columns: ["latitude"])
        }
        // Text read in images (OCR): an image with text has its own row (a chunk without text)
        // and one chunk per block of text, with the block's box in pixels of the upright image.
        // NULL for every other chunk.
        migrator.registerMigration(imageTextMigration) { db in
            try db.alter(table: "chunk") { t in
                t.add(column: "region_x", .integer)
                t.add(column: "region_y", .integer)
                t.add(column: "region_width", .integer)
                t.add(column: "region_height", .integer)
            }
        }
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
