import GRDB

extension CatalogSchema {
    /// Transcripts searched as text (`PassageEncoder`): each chunk may have a time range in
    /// its recording, and each file a note from its encoder (`no speech`, `first 3600 s of
    /// 5400 s indexed`). Both optional: text files and older indexes have neither.
    static func registerPassageMigrations(in migrator: inout DatabaseMigrator) {
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
    }
}
