import Foundation
import MMSearchKit
import PostgresNIO

/// The photo details of a PostgreSQL index (migration pg-3), as `PhotoTable` is for the
/// embedded store:
///
///     photo (file_id → file ON DELETE CASCADE, taken_local, taken_offset, camera_make,
///            camera_model, latitude, longitude, orientation)
///
/// A row once an image's EXIF was read (NULLs where it had no usable value). Readers need only
/// pg-1: on an index a writer has not migrated yet, every file is dated by its modification
/// time and no photo passes a camera or position filter.
enum PhotoRows {
    static let columns = PhotoColumns.list()

    /// `columns` as NULLs of their types, for a schema without the table.
    static let nullColumns = "NULL::bigint, NULL::integer, NULL::text, NULL::text, NULL::float8, NULL::float8, NULL::smallint"

    /// Whether the schema of `session`'s database has the table (pg-3 applied).
    static func exist(in session: PostgresSession) throws -> Bool {
        try session.query("SELECT to_regclass('mmsearch.photo') IS NOT NULL").first?.decode(Bool.self) ?? false
    }

    /// The details a row's seven `columns` hold.
    static func metadata(_ values: (Int64?, Int32?, String?, String?, Double?, Double?, Int16?)) -> PhotoMetadata {
        let (local, offset, make, model, latitude, longitude, orientation) = values
        return PhotoMetadata(taken: local.map { PhotoMetadata.Taken(localSeconds: $0, utcOffsetSeconds: offset.map(Int.init)) },
                             cameraMake: make, cameraModel: model,
                             position: latitude.flatMap { lat in longitude.map { PhotoMetadata.Position(latitude: lat, longitude: $0) } },
                             orientation: orientation.map(Int.init))
    }

    /// Stores each file's details (replacing what it had), set-based, inside the caller's
    /// transaction.
    static func insert(_ entries: [(id: Int64, photo: PhotoMetadata)], in session: PostgresSession) throws {
        guard !entries.isEmpty else { return }
        let photos = entries.map(\.photo)
        // NULLs travel as sentinels: no date taken (a flag), '' for no name, NaN for no position, 0 for no orientation.
        try session.run("""
            INSERT INTO mmsearch.photo (file_id, \(unescaped: columns))
            SELECT id, CASE WHEN has_taken THEN local END, CASE WHEN has_offset THEN off END,
                   NULLIF(make, ''), NULLIF(model, ''), NULLIF(lat, 'NaN'::float8), NULLIF(lon, 'NaN'::float8),
                   NULLIF(orientation, 0)::smallint
            FROM unnest(\(entries.map(\.id))::bigint[], \(photos.map { $0.taken != nil })::boolean[],
                        \(photos.map { $0.taken?.localSeconds ?? 0 })::bigint[],
                        \(photos.map { $0.taken?.utcOffsetSeconds != nil })::boolean[],
                        \(photos.map { Int32($0.taken?.utcOffsetSeconds ?? 0) })::integer[],
                        \(photos.map { $0.cameraMake ?? "" })::text[], \(photos.map { $0.cameraModel ?? "" })::text[],
                        \(photos.map { $0.position?.latitude ?? .nan })::float8[],
                        \(photos.map { $0.position?.longitude ?? .nan })::float8[],
                        \(photos.map { Int32($0.orientation ?? 0) })::integer[])
                 AS t(id, has_taken, local, has_offset, off, make, model, lat, lon, orientation)
            ON CONFLICT (file_id) DO UPDATE SET
                taken_local = excluded.taken_local, taken_offset = excluded.taken_offset,
                camera_make = excluded.camera_make, camera_model = excluded.camera_model,
                latitude = excluded.latitude, longitude = excluded.longitude, orientation = excluded.orientation
            """)
    }

    /// The details of the files `ids` that have them, by file id.
    static func details(of ids: [Int64], in session: PostgresSession) throws -> [Int64: PhotoMetadata] {
        guard !ids.isEmpty, try exist(in: session) else { return [:] }
        var found: [Int64: PhotoMetadata] = [:]
        for row in try session.query("""
            SELECT file_id, \(unescaped: columns) FROM mmsearch.photo WHERE file_id = ANY(\(ids))
            """) {
            let (id, a, b, c, d, e, f, g) = try row.decode((Int64, Int64?, Int32?, String?, String?, Double?, Double?, Int16?).self)
            found[id] = metadata((a, b, c, d, e, f, g))
        }
        return found
    }

    /// The `ok` files of `space` with rows that pass the photo filters of `options` (dates,
    /// camera, position).
    static func files(passing options: SearchOptions, space: SpaceRecord,
                      fetch: (PostgresQuery) throws -> [PostgresRow], photos: Bool) throws -> Set<Int64> {
        var binds = PostgresBindings()
        var conditions: [String] = []
        func bind<T: PostgresEncodable & PostgresDynamicTypeEncodable>(_ value: T) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let dates = options.dates, !dates.isEmpty {
            let modified = dates.modifiedNanoseconds()
            let (from, below) = (bind(modified.from ?? Int64.min), bind(modified.below ?? Int64.max))
            let byModification = "f.mtime_ns >= \(from) AND f.mtime_ns < \(below)"
            if photos {
                let (after, before) = (bind(dates.after ?? Int64.min), bind(dates.before ?? Int64.max))
                conditions.append("""
                    CASE WHEN p.taken_local IS NOT NULL THEN p.taken_local >= \(after) AND p.taken_local < \(before)
                         ELSE \(byModification) END
                    """)
            } else {
                conditions.append(byModification)
            }
        }
        if options.camera != nil || options.near != nil, !photos { return [] }
        if let camera = options.camera {
            conditions.append("(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')) ILIKE \(bind(LikePattern.containing(camera)))")
        }
        if let near = options.near {
            conditions.append("p.latitude BETWEEN \(bind(near.latitudes.lowerBound)) AND \(bind(near.latitudes.upperBound)) "
                              + "AND p.longitude IS NOT NULL")
        }
        let sql = """
            SELECT f.id, \(photos ? "p.latitude, p.longitude" : "NULL::float8, NULL::float8")
            FROM mmsearch.file f \(photos ? "LEFT JOIN mmsearch.photo p ON p.file_id = f.id" : "")
            WHERE f.space_id = \(space.id) AND f.status = 'ok' AND f.vector_count > 0
            \(conditions.map { "AND " + $0 }.joined(separator: "\n"))
            """
        var passing = Set<Int64>()
        for row in try fetch(PostgresQuery(unsafeSQL: sql, binds: binds)) {
            let (id, latitude, longitude) = try row.decode((Int64, Double?, Double?).self)
            if let near = options.near {
                guard let latitude, let longitude, near.contains(latitude: latitude, longitude: longitude) else { continue }
            }
            passing.insert(id)
        }
        return passing
    }

    /// When and where `space`'s indexed files were made (see `DateCounts`).
    static func dateCounts(space: SpaceRecord, in session: PostgresSession) throws -> DateCounts {
        var counts = DateCounts()
        let ok = "f.space_id = \(space.id) AND f.status = 'ok' AND f.vector_count > 0"
        let photos = try exist(in: session)
        if photos {
            let (taken, positioned, withCamera, earliest, earliestOffset, latest, latestOffset) = try session.query(PostgresQuery(unsafeSQL: """
                SELECT count(p.taken_local), count(p.latitude),
                       count(*) FILTER (WHERE p.camera_make IS NOT NULL OR p.camera_model IS NOT NULL),
                       min(p.taken_local), (array_agg(p.taken_offset ORDER BY p.taken_local) FILTER (WHERE p.taken_local IS NOT NULL))[1],
                       max(p.taken_local), (array_agg(p.taken_offset ORDER BY p.taken_local DESC) FILTER (WHERE p.taken_local IS NOT NULL))[1]
                FROM mmsearch.file f JOIN mmsearch.photo p ON p.file_id = f.id WHERE \(ok)
                """))[0].decode((Int64, Int64, Int64, Int64?, Int32?, Int64?, Int32?).self)
            counts.taken = Int(taken)
            counts.positioned = Int(positioned)
            counts.withCamera = Int(withCamera)
            counts.include(earliest.map { FileDate(localSeconds: $0, utcOffsetSeconds: earliestOffset.map(Int.init), source: .taken) })
            counts.include(latest.map { FileDate(localSeconds: $0, utcOffsetSeconds: latestOffset.map(Int.init), source: .taken) })
        }
        let (modified, oldest, newest) = try session.query(PostgresQuery(unsafeSQL: """
            SELECT count(*), min(f.mtime_ns), max(f.mtime_ns) FROM mmsearch.file f
            \(photos ? "LEFT JOIN mmsearch.photo p ON p.file_id = f.id" : "")
            WHERE \(ok) \(photos ? "AND p.taken_local IS NULL" : "")
            """))[0].decode((Int64, Int64?, Int64?).self)
        counts.modified = Int(modified)
        for ns in [oldest, newest] { counts.include(ns.map { FileDate(photo: nil, mtimeNs: $0) }) }
        return counts
    }
}
