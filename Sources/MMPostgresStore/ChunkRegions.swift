import MMSearchKit
import PostgresNIO

/// The regions of text read in images, kept on `mmsearch.chunk` (pg-4): one place for their
/// columns, their NULLs on a schema without them, and how a chunk row becomes a part.
enum ChunkRegions {
    static let columns = "region_x, region_y, region_width, region_height"

    /// `columns` of the table named `alias` (`c.region_x, …`).
    static func columns(of alias: String) -> String {
        columns.split(separator: ",").map { alias + "." + $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: ", ")
    }

    /// `columns` as NULLs, for a schema without them.
    static let nullColumns = "NULL::integer, NULL::integer, NULL::integer, NULL::integer"

    /// Whether the schema of `session`'s database has the columns (pg-4 applied).
    static func exist(in session: PostgresSession) throws -> Bool {
        try session.query("""
            SELECT EXISTS (SELECT 1 FROM information_schema.columns
                           WHERE table_schema = 'mmsearch' AND table_name = 'chunk' AND column_name = 'region_x')
            """).first?.decode(Bool.self) ?? false
    }

    /// The region four cells hold, nil when they are NULL.
    static func region(_ cells: ArraySlice<PostgresCell>) throws -> ImageRegion? {
        let values = try cells.map { try $0.decode(Int32?.self) }
        guard values.count == 4, let x = values[0], let y = values[1], let w = values[2], let h = values[3] else { return nil }
        return ImageRegion(x: Int(x), y: Int(y), width: Int(w), height: Int(h))
    }

    /// A chunk row as a part. An image's own row (no text, no time, no region) has no byte
    /// offsets and no text, as the embedded store reads it.
    static func part(index: Int, start: Int, end: Int, text: String, time: TimeSpan?, region: ImageRegion?) -> FilePart {
        let whole = text.isEmpty && time == nil && region == nil && start == end
        return FilePart(index: index, bytes: whole ? nil : start..<max(start, end), time: time,
                        text: whole ? nil : text, region: region)
    }
}
