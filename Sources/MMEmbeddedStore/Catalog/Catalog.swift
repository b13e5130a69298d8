import MMSearchKit
import Foundation
import GRDB

/// The SQLite catalog of an index: which spaces it holds and, per file, where its vector is
/// or why it failed. One writer, many readers (WAL); readers see committed transactions only.
public final class Catalog: Sendable {
    public let url: URL
    let pool: DatabasePool

    /// Opens (and in read-write mode creates and migrates) the catalog at `url`.
    ///
    /// Read-only opening never creates or changes anything; a catalog written by a newer
    /// mmsearch, or one that is not a catalog at all, is an error naming the file.
    public init(url: URL, readOnly: Bool) throws {
        self.url = url
        if let damage = Self.damage(at: url) {
            throw MMSearchError(.fatal, "catalog \(url.path) \(damage)", reason: .indexDamaged)
        }
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(10)
        config.label = "mmsearch.catalog"
        // The keyword index's triggers call a function of ours on every write connection.
        config.prepareDatabase { db in TextSearchIndex.prepare(db) }
        do {
            pool = try DatabasePool(path: url.path, configuration: config)
            let migrator = CatalogSchema.migrator
            if try pool.read(migrator.hasBeenSuperseded) {
                throw MMSearchError(.fatal, "catalog \(url.path) was written by a newer mmsearch", reason: .indexTooNew)
            }
            // An SQLite file without tables is a catalog a writer has only begun to create.
            if readOnly, try pool.read({ try String.fetchAll($0, sql: "SELECT name FROM sqlite_master").isEmpty }) {
                throw MMSearchError(.fatal, "no index in \(url.deletingLastPathComponent().path) yet (its catalog holds no tables)",
                                    reason: .indexMissing)
            }
            if let foreign = try pool.read({ try Self.foreignContents(in: $0) }) {
                throw MMSearchError(.fatal, "catalog \(url.path) is not an mmsearch catalog (\(foreign))",
                                    reason: .indexDamaged)
            }
            if readOnly {
                guard try pool.read(migrator.hasCompletedMigrations) else {
                    throw MMSearchError(.fatal, "catalog \(url.path) has an older schema", reason: .indexNeedsUpgrade)
                }
            } else {
                try migrator.migrate(pool)
                let recorded = try pool.read { db in
                    try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'")
                }
                if recorded != String(CatalogSchema.version) {
                    try pool.write { try CatalogSchema.recordVersion(in: $0) }
                }
            }
        } catch let error as MMSearchError {
            throw error
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw MMSearchError(.fatal, "catalog \(url.path) is damaged: \(Self.reason(error))", reason: .indexDamaged)
        } catch {
            throw MMSearchError(.fatal, "catalog \(url.path) cannot be opened: \(Self.reason(error))")
        }
    }

    /// Why the file at `url` cannot be a catalog, judged from its first bytes; nil when it may
    /// be one (or does not exist).
    enum Damage: Equatable, CustomStringConvertible {
        /// 0 bytes (and no write-ahead log SQLite could recover it from).
        case empty
        /// Bytes that are not an SQLite database.
        case notSQLite

        var description: String {
            switch self {
            case .empty: "is empty (0 bytes): it is not an mmsearch catalog"
            case .notSQLite: "is not an mmsearch catalog (not an SQLite database)"
            }
        }
    }

    static func damage(at url: URL) -> Damage? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty {
            let wal = (try? FileManager.default.attributesOfItem(atPath: url.path + "-wal"))?[.size] as? NSNumber
            return (wal?.intValue ?? 0) > 0 ? nil : .empty
        }
        return head == Data("SQLite format 3".utf8 + [0]) ? nil : .notSQLite
    }

    /// What makes an SQLite database someone else's: tables but no record of mmsearch's
    /// migrations; nil for a catalog or an empty database (a writer sets it up).
    private static func foreignContents(in db: Database) throws -> String? {
        if try db.tableExists("grdb_migrations") { return nil }
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
            """)
        if tables.isEmpty { return nil }
        return "it holds other tables: " + tables.prefix(5).joined(separator: ", ")
    }

    /// The schema version the catalog is at.
    public func schemaVersion() throws -> Int {
        try guarded {
            try pool.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'")
                    .flatMap(Int.init) ?? 0
            }
        }
    }

    /// An index-wide setting (`meta` row `setting.<key>`); nil when never recorded.
    func setting(_ key: IndexSetting) throws -> String? {
        try read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = ?", arguments: ["setting." + key.rawValue]) }
    }

    /// Removes space `id` with every row keyed by it (files, and through them chunks, parts,
    /// labels and photo details; tombstones), in one transaction.
    func dropSpace(_ id: Int64) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM file WHERE space_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM tombstone WHERE space_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM space WHERE id = ?", arguments: [id])
        }
    }

    func record(_ key: IndexSetting, _ value: String) throws {
        try write {
            try $0.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           arguments: ["setting." + key.rawValue, value])
        }
    }

    // MARK: Spaces

    public func spaces() throws -> [SpaceRecord] {
        try guarded { try pool.read { try SpaceRecord.fetchAll($0, sql: "SELECT * FROM space ORDER BY id") } }
    }

    /// Records `space` with the name of its vector file and returns its record.
    func addSpace(_ space: SpaceID, elementType: VectorElementType, vectorFile: String) throws -> SpaceRecord {
        try guarded {
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO space (name, dimension, fingerprint, element_type, segment, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [space.name, space.dimension, space.fingerprint,
                                     elementType.rawValue, vectorFile, Date().timeIntervalSince1970])
                guard let record = try SpaceRecord.fetchOne(db, sql: "SELECT * FROM space WHERE id = ?",
                                                            arguments: [db.lastInsertedRowID]) else {
                    throw MMSearchError(.fatal, "catalog \(url.path): space \(space) vanished after insert")
                }
                return record
            }
        }
    }

    // MARK: Files

    /// Files of `space` at `root` or below it, by path.
    func files(under root: String, space: Int64) throws -> [String: FileRecord] {
        let inside = FilePaths.descendantBounds(of: root)
        return try guarded {
            try pool.read { db in
                let rows = try FileRecord.fetchAll(db, sql: """
                    SELECT * FROM file WHERE space_id = ?
                      AND (path = ? OR (path >= ? AND path < ?))
                    """, arguments: [space, root, inside.from, inside.below])
                return Dictionary(rows.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            }
        }
    }

    /// Every file of `space` that failed, by path.
    public func failures(space: Int64? = nil) throws -> [FileRecord] {
        try guarded {
            try pool.read { db in
                try FileRecord.fetchAll(db, sql: """
                    SELECT * FROM file WHERE status = 'failed' AND (? IS NULL OR space_id = ?) ORDER BY path
                    """, arguments: [space, space])
            }
        }
    }

    /// The record of `path` in `space`, if any.
    public func file(path: String, space: Int64) throws -> FileRecord? {
        try guarded {
            try pool.read { db in try Self.record(path: path, space: space, in: db) }
        }
    }

    /// The parts of a file that are rows of their own (text chunks, transcript passages), in
    /// order.
    public func chunks(fileID: Int64) throws -> [FilePart] {
        try guarded {
            try pool.read { db in try Self.chunks(fileID: fileID, in: db) }
        }
    }

    static func chunks(fileID: Int64, in db: Database) throws -> [FilePart] {
        try Row.fetchAll(db, sql: """
            SELECT idx, byte_start, byte_end, text, start_s, end_s, region_x, region_y, region_width, region_height
            FROM chunk WHERE file_id = ? ORDER BY idx
            """, arguments: [fileID]).map(chunk)
    }

    /// A `chunk` row (`idx, byte_start, byte_end, text, start_s, end_s, region_x, region_y,
    /// region_width, region_height`) as a part. An image's own row (no text, no time, no
    /// region) has no byte offsets.
    static func chunk(_ row: Row) -> FilePart {
        let start: Int = row["byte_start"]
        let end: Int = row["byte_end"]
        let time: TimeSpan? = (row["start_s"] as Double?).flatMap { s in
            (row["end_s"] as Double?).map { TimeSpan(start: s, end: $0) }
        }
        var region: ImageRegion?
        if let x = row["region_x"] as Int?, let y = row["region_y"] as Int?,
           let width = row["region_width"] as Int?, let height = row["region_height"] as Int? {
            region = ImageRegion(x: x, y: y, width: width, height: height)
        }
        let text: String = row["text"]
        let whole = text.isEmpty && time == nil && region == nil && start == end
        return FilePart(index: row["idx"], bytes: whole ? nil : start..<max(start, end), time: time,
                        text: whole ? nil : text, region: region)
    }

    /// The indexed files of `space` whose encoder left a note (`FileRecord.note`: `no speech`,
    /// `first 3600 s of 5400 s indexed`), by path.
    public func notes(space: Int64) throws -> [(path: String, note: String)] {
        try guarded {
            try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT path, note FROM file WHERE space_id = ? AND status = 'ok' AND note IS NOT NULL
                    ORDER BY path
                    """, arguments: [space]).map { (path: $0["path"], note: $0["note"]) }
            }
        }
    }

    /// What `IndexStore.counts(of:)` tells: files per status (and recordings without speech),
    /// files with vectors per modality, and the stored labels, in one read.
    func counts(space: Int64) throws -> SpaceCounts {
        try guarded {
            try pool.read { db in
                var counts = SpaceCounts()
                for row in try Row.fetchAll(db, sql: """
                    SELECT status, COUNT(*) AS n FROM file WHERE space_id = ? GROUP BY status
                    """, arguments: [space]) {
                    let n: Int = row["n"]
                    switch FileStatus(rawValue: row["status"]) {
                    case .ok: counts.ok = n
                    case .failed: counts.failed = n
                    case nil: break
                    }
                }
                counts.withoutSpeech = try String.fetchAll(db, sql: """
                    SELECT note FROM file WHERE space_id = ? AND status = 'ok' AND note IS NOT NULL
                    """, arguments: [space]).filter { FileNote(stored: $0).noSpeech }.count
                counts.modalities = try Self.modalityCounts(space: space, in: db)
                counts.labels = try Self.labelCounts(space: space, in: db)
                counts.dates = try PhotoTable.dateCounts(space: space, in: db)
                return counts
            }
        }
    }

    /// Runs `body` on one consistent snapshot of the catalog.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try guarded { try pool.read(body) }
    }

    /// Runs `body` in one write transaction.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try guarded { try pool.write(body) }
    }

    /// Turns database errors into a message naming the catalog.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MMSearchError {
            throw error
        } catch {
            throw MMSearchError(.fatal, "catalog \(url.path): \(Self.reason(error))")
        }
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return String(describing: error)
    }
}
