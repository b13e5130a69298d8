import Foundation
import GRDB

/// Whether a file's last indexing attempt gave a vector.
public enum FileStatus: String, Sendable, Codable {
    case ok
    case failed
}

/// One vector space an index holds, with the segment file its vectors live in.
public struct SpaceRecord: Sendable, Equatable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "space"

    public var id: Int64
    public var name: String
    public var dimension: Int
    public var fingerprint: String
    /// How the master segment stores numbers: `f32` or `f16`.
    public var elementType: String
    /// File name of the vector segment inside the index's `vectors/` folder.
    public var segment: String
    /// Seconds since 1970.
    public var createdAt: Double
    /// Rows of the segment the catalog has accounted for: each row below is either a file's or
    /// a tombstone's. Rows at or above it are invisible (not committed yet, or orphans).
    public var rowCount: Int

    public var spaceID: SpaceID { SpaceID(name: name, dimension: dimension, fingerprint: fingerprint) }

    enum CodingKeys: String, CodingKey {
        case id, name, dimension, fingerprint
        case elementType = "element_type"
        case segment
        case createdAt = "created_at"
        case rowCount = "row_count"
    }
}

/// What the catalog knows about one file.
public struct FileRecord: Sendable, Equatable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "file"

    public var id: Int64
    /// Absolute, standardised path (symbolic links not resolved).
    public var path: String
    public var spaceID: Int64
    /// Size in bytes and modification time in nanoseconds since 1970, as last seen.
    public var size: Int64
    public var mtimeNs: Int64
    public var modality: Modality
    /// First row of the file's vectors in its space's segment; nil when the file failed or
    /// gave no vector (an empty text file).
    public var vectorRow: Int64?
    /// Number of rows from `vectorRow` on: 1, or a text file's chunk count.
    public var vectorCount: Int
    /// XXH64 of the file's content (as a bit pattern), when it was hashed.
    public var contentHash: Int64?
    public var status: FileStatus
    /// Why the file failed, for a person to read.
    public var error: String?
    /// Seconds since 1970.
    public var indexedAt: Double
    /// What the encoder said about how it read the file (`PassageEmbedding.note`): `no
    /// speech` for a recording without words (then the file has no rows), `first 3600 s of
    /// 5400 s indexed`; nil for most files.
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case id, path
        case spaceID = "space_id"
        case size
        case mtimeNs = "mtime_ns"
        case modality
        case vectorRow = "vector_row"
        case vectorCount = "vector_count"
        case contentHash = "content_hash"
        case status, error
        case indexedAt = "indexed_at"
        case note
    }
}

/// Where a file's vectors went: a run of segment rows, and for a text file its chunks (one
/// per row, in order).
struct StoredRows: Sendable, Equatable {
    let rows: Range<Int>
    let chunks: [TextChunk]
}

/// The outcome of indexing one file, as the writer records it.
struct FileOutcome: Sendable {
    let path: String
    let size: Int64
    let mtimeNs: Int64
    let modality: Modality
    let contentHash: UInt64?
    /// `.success(rows)` or `.failure(reason)`.
    let result: Result<StoredRows, FailureReason>
    /// The fingerprint of the encoder that made the vector (see `EncoderInfo.fingerprint`).
    var encoderFingerprint: String? = nil
    /// The vectors of the file's parts, for time-based media.
    var segments: [MediaSegment] = []
    /// The encoder's note about the file (see `FileRecord.note`).
    var note: String? = nil
}

/// A failure's text; an `Error` only so it can sit in a `Result`.
struct FailureReason: Error, Sendable, Equatable {
    let text: String
    init(_ text: String) { self.text = text }
}

extension FileStatus: DatabaseValueConvertible {}
extension Modality: DatabaseValueConvertible {}
