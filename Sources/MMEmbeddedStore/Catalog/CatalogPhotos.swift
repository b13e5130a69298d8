import MMSearchKit
import GRDB

/// The catalog's photo details (migration `photos-1`, see `CatalogSchema`):
///
///     photo (file_id → file.id ON DELETE CASCADE, taken_local, taken_offset, camera_make,
///            camera_model, latitude, longitude, orientation)
///
/// A row exists once an image's EXIF was read (all NULL when it had none), so a run knows which
/// images indexed before this table existed still need reading. It describes the file's bytes:
/// it goes when the file's vectors are replaced (new content) and travels with a copy's vectors.
enum PhotoTable {
    static let columns = PhotoColumns.list()

    /// Stores `photo` as file `id`'s details, replacing any.
    static func record(_ photo: PhotoMetadata, fileID id: Int64, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO photo (file_id, \(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [id, photo.taken?.localSeconds, photo.taken?.utcOffsetSeconds, photo.cameraMake,
                                 photo.cameraModel, photo.position?.latitude, photo.position?.longitude, photo.orientation])
    }

    static func forget(fileID id: Int64, in db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM photo WHERE file_id = ?").execute(arguments: [id])
    }

    /// File `id`'s details; nil when its EXIF was never read (not an image).
    static func details(fileID id: Int64, in db: Database) throws -> PhotoMetadata? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM photo WHERE file_id = ?"), arguments: [id])
            .map { metadata($0, from: 0) }
    }

    /// The details in `row`'s columns `first ..< first + 7` (in `columns`' order).
    static func metadata(_ row: Row, from first: Int) -> PhotoMetadata {
        let local: Int64? = row[first]
        let offset: Int? = row[first + 1]
        let latitude: Double? = row[first + 4]
        let longitude: Double? = row[first + 5]
        return PhotoMetadata(taken: local.map { PhotoMetadata.Taken(localSeconds: $0, utcOffsetSeconds: offset) },
                             cameraMake: row[first + 2], cameraModel: row[first + 3],
                             position: latitude.flatMap { lat in longitude.map { PhotoMetadata.Position(latitude: lat, longitude: $0) } },
                             orientation: row[first + 6])
    }

    /// When and where `space`'s indexed files were made (see `DateCounts`).
    static func dateCounts(space: Int64, in db: Database) throws -> DateCounts {
        var counts = DateCounts()
        let ok = "f.space_id = ? AND f.status = 'ok' AND f.vector_row IS NOT NULL"
        if let row = try Row.fetchOne(db, sql: """
            SELECT COUNT(p.taken_local), COUNT(p.latitude),
                   SUM(p.camera_make IS NOT NULL OR p.camera_model IS NOT NULL)
            FROM file f JOIN photo p ON p.file_id = f.id WHERE \(ok)
            """, arguments: [space]) {
            counts.taken = row[0]
            counts.positioned = row[1]
            counts.withCamera = row[2] ?? 0
        }
        for order in ["ASC", "DESC"] {
            if let row = try Row.fetchOne(db, sql: """
                SELECT p.taken_local, p.taken_offset FROM file f JOIN photo p ON p.file_id = f.id
                WHERE \(ok) AND p.taken_local IS NOT NULL ORDER BY p.taken_local \(order) LIMIT 1
                """, arguments: [space]) {
                counts.include(FileDate(localSeconds: row[0], utcOffsetSeconds: row[1], source: .taken))
            }
        }
        if let row = try Row.fetchOne(db, sql: """
            SELECT COUNT(*), MIN(f.mtime_ns), MAX(f.mtime_ns) FROM file f LEFT JOIN photo p ON p.file_id = f.id
            WHERE \(ok) AND p.taken_local IS NULL
            """, arguments: [space]) {
            counts.modified = row[0]
            for ns in [row[1], row[2]] as [Int64?] { counts.include(ns.map { FileDate(photo: nil, mtimeNs: $0) }) }
        }
        return counts
    }
}

extension Catalog {
    /// The rows of the `ok` files of `space` that pass the photo filters of `options` (dates,
    /// camera, position; see `SearchOptions`). Reads every file of the space once.
    static func rows(passingPhotoFilters options: SearchOptions, space: Int64, rowCount: Int,
                     in db: Database) throws -> RowSet {
        var sql = """
            SELECT f.vector_row, f.vector_count, p.latitude, p.longitude
            FROM file f LEFT JOIN photo p ON p.file_id = f.id
            WHERE f.space_id = ? AND f.status = 'ok' AND f.vector_row IS NOT NULL
            """
        var arguments: StatementArguments = [space]
        if let dates = options.dates, !dates.isEmpty {
            let modified = dates.modifiedNanoseconds()
            sql += """
                \n  AND CASE WHEN p.taken_local IS NOT NULL THEN p.taken_local >= ? AND p.taken_local < ?
                           ELSE f.mtime_ns >= ? AND f.mtime_ns < ? END
                """
            arguments += [dates.after ?? Int64.min, dates.before ?? Int64.max,
                          modified.from ?? Int64.min, modified.below ?? Int64.max]
        }
        if let camera = options.camera {
            sql += "\n  AND (COALESCE(p.camera_make, '') || ' ' || COALESCE(p.camera_model, '')) LIKE ? ESCAPE '\\'"
            arguments += [LikePattern.containing(camera)]
        }
        if let near = options.near {
            sql += "\n  AND p.latitude BETWEEN ? AND ? AND p.longitude IS NOT NULL"
            arguments += [near.latitudes.lowerBound, near.latitudes.upperBound]
        }
        var set = RowSet(rowCount: rowCount)
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            if let near = options.near {
                let latitude: Double = row[2]
                let longitude: Double = row[3]
                guard near.contains(latitude: latitude, longitude: longitude) else { continue }
            }
            let first: Int = row[0]
            let count: Int = row[1]
            set.insert(Catalog.rows(first: first, count: count))
        }
        return set
    }

    /// The `ok` images of `space` at or below `roots` without a photo row.
    func imagesWithoutPhotoDetails(under roots: [String], space: Int64) throws -> [(id: Int64, path: String)] {
        try read { db in
            var found: [(id: Int64, path: String)] = []
            for root in roots {
                let inside = FilePaths.descendantBounds(of: root)
                for row in try Row.fetchAll(db, sql: """
                    SELECT f.id, f.path FROM file f LEFT JOIN photo p ON p.file_id = f.id
                    WHERE f.space_id = ? AND f.status = 'ok' AND f.modality = ? AND p.file_id IS NULL
                      AND (f.path = ? OR (f.path >= ? AND f.path < ?))
                    ORDER BY f.path
                    """, arguments: [space, Modality.image.rawValue, root, inside.from, inside.below]) {
                    found.append((row[0], row[1]))
                }
            }
            return found
        }
    }

    /// Stores each file's photo details, in one transaction (files gone meanwhile are skipped).
    func recordPhotoDetails(_ entries: [(id: Int64, photo: PhotoMetadata)]) throws {
        guard !entries.isEmpty else { return }
        try write { db in
            for entry in entries where try Int64.fetchOne(db, sql: "SELECT id FROM file WHERE id = ?", arguments: [entry.id]) != nil {
                try PhotoTable.record(entry.photo, fileID: entry.id, in: db)
            }
        }
    }
}
