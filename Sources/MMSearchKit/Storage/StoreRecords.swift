import Foundation

/// How a store keeps the numbers of a space's vectors.
public enum VectorStorage: String, Sendable, CaseIterable, Codable {
    /// 32-bit floats: exact search gives the encoder's own scores.
    case f32
    /// 16-bit floats: half the disk, about 3 significant digits.
    case f16
}

/// Whether a file's last indexing attempt gave a vector.
public enum FileStatus: String, Sendable, Codable {
    case ok
    case failed
}

/// One vector space an index holds.
public struct SpaceRecord: Sendable, Equatable {
    /// The store's id of the space.
    public var id: Int64
    public var name: String
    public var dimension: Int
    public var fingerprint: String
    /// How the vectors are kept (`f32`, `f16`), as the store wrote it.
    public var elementType: String
    /// Where the store keeps the space's vectors (for the embedded store: the name of its
    /// vector file in the index's `vectors/` folder).
    public var vectorFile: String
    /// Seconds since 1970.
    public var createdAt: Double
    /// Rows the store has committed: each row below is a file's or a dead one's. Rows at or
    /// above it are invisible (not committed yet, or orphans).
    public var rowCount: Int

    public init(id: Int64, name: String, dimension: Int, fingerprint: String, elementType: String,
                vectorFile: String, createdAt: Double, rowCount: Int) {
        self.id = id
        self.name = name
        self.dimension = dimension
        self.fingerprint = fingerprint
        self.elementType = elementType
        self.vectorFile = vectorFile
        self.createdAt = createdAt
        self.rowCount = rowCount
    }

    public var spaceID: SpaceID { SpaceID(name: name, dimension: dimension, fingerprint: fingerprint) }
}

/// What an index knows about one file.
public struct FileRecord: Sendable, Equatable {
    public var id: Int64
    /// Absolute, standardised path (symbolic links not resolved).
    public var path: String
    public var spaceID: Int64
    /// Size in bytes and modification time in nanoseconds since 1970, as last seen.
    public var size: Int64
    public var mtimeNs: Int64
    public var modality: Modality
    /// Where the store keeps the file's first vector (the embedded store: its first row in the
    /// space's vector file); nil when the file failed or gave no vector (an empty text file).
    public var vectorRow: Int64?
    /// Number of vectors the file has: 1, or one per part for a file searched by its parts.
    public var vectorCount: Int
    /// XXH64 of the file's content (as a bit pattern), when it was hashed.
    public var contentHash: Int64?
    public var status: FileStatus
    /// Why the file failed, for a person to read.
    public var error: String?
    /// Seconds since 1970.
    public var indexedAt: Double
    /// What the encoder said about how it read the file (`FileNote`: `no speech`, `first 3600
    /// s of 5400 s indexed`), as stored; nil for most files.
    public var note: String?

    public init(id: Int64, path: String, spaceID: Int64, size: Int64, mtimeNs: Int64, modality: Modality,
                vectorRow: Int64?, vectorCount: Int, contentHash: Int64?, status: FileStatus, error: String?,
                indexedAt: Double, note: String?) {
        self.id = id
        self.path = path
        self.spaceID = spaceID
        self.size = size
        self.mtimeNs = mtimeNs
        self.modality = modality
        self.vectorRow = vectorRow
        self.vectorCount = vectorCount
        self.contentHash = contentHash
        self.status = status
        self.error = error
        self.indexedAt = indexedAt
        self.note = note
    }

    /// The encoder's note, typed.
    public var fileNote: FileNote? { note.map(FileNote.init(stored:)) }
}

/// One indexed file of a space with vectors: what labelling, duplicate finding and the space's
/// statistics walk over.
public struct IndexedItem: Sendable, Equatable {
    /// The store's id of the file.
    public let fileID: Int64
    /// Absolute, standardised path.
    public let path: String
    public let modality: Modality
    /// How many vectors (rows) the file has: one, or one per part.
    public let vectorCount: Int

    public init(fileID: Int64, path: String, modality: Modality, vectorCount: Int) {
        self.fileID = fileID
        self.path = path
        self.modality = modality
        self.vectorCount = vectorCount
    }
}

/// A file found by a scan: where it is and what `stat` said.
public struct ScannedFile: Sendable, Hashable {
    /// Absolute, standardised path, as reached from the root (links not resolved).
    public let path: String
    public let size: Int64
    public let mtimeNs: Int64

    public init(path: String, size: Int64, mtimeNs: Int64) {
        self.path = path
        self.size = size
        self.mtimeNs = mtimeNs
    }
}

/// What embedding one file gave: its rows and parts, or nothing to search (a recording without
/// speech) with a note.
public struct EmbeddedFile: Sendable, Equatable {
    /// How the file is searched.
    public enum Rows: Sendable, Equatable {
        /// One row for the whole file (a photo; a video, whose frames are its `parts`).
        case whole([Float])
        /// One row per part (a text file's chunks, a recording's passages); none for a
        /// recording without speech.
        case parts
    }

    public var rows: Rows
    /// The file's parts with their vectors: the rows themselves (`.parts`), or the parts under
    /// the one row (`.whole`: a video's frames). Numbered from 0 in order.
    public var parts: [FilePart]
    /// What the encoder said about how it read the file.
    public var note: FileNote?

    public init(rows: Rows, parts: [FilePart] = [], note: FileNote? = nil) {
        self.rows = rows
        self.parts = parts
        self.note = note
    }

    /// The vectors the file is searched by, in row order.
    public var rowVectors: [[Float]] {
        switch rows {
        case .whole(let vector): [vector]
        case .parts: parts.compactMap(\.vector)
        }
    }
}

/// A failure's text; an `Error` only so it can sit in a `Result`.
public struct FailureReason: Error, Sendable, Equatable {
    public let text: String
    public init(_ text: String) { self.text = text }
}

/// One file's outcome of an index run, as a store commits it.
public struct IndexedFile: Sendable {
    public let file: ScannedFile
    public let modality: Modality
    /// XXH64 of the content, when the run hashed it.
    public let contentHash: UInt64?
    /// The fingerprint of the encoder that read it (see `EncoderInfo.fingerprint`).
    public let encoderFingerprint: String?
    public let outcome: Result<EmbeddedFile, FailureReason>
    /// For an image: what its EXIF says (empty when it has none: the store then knows it was
    /// read); nil for other files.
    public var photo: PhotoMetadata?

    public init(file: ScannedFile, modality: Modality, contentHash: UInt64?, encoderFingerprint: String?,
                outcome: Result<EmbeddedFile, FailureReason>, photo: PhotoMetadata? = nil) {
        self.file = file
        self.modality = modality
        self.contentHash = contentHash
        self.encoderFingerprint = encoderFingerprint
        self.outcome = outcome
        self.photo = photo
    }
}

/// A file stored with the vectors (and parts, encoder fingerprint and note) of a file with the
/// same content, without embedding: a copy, or a file of this run whose twin was just embedded.
public struct FileCopy: Sendable {
    public let file: ScannedFile
    public let contentHash: UInt64
    /// The fingerprint of the encoder that reads the file now.
    public let encoderFingerprint: String
    /// The `ok` record whose vectors are copied.
    public let source: FileRecord

    public init(file: ScannedFile, contentHash: UInt64, encoderFingerprint: String, source: FileRecord) {
        self.file = file
        self.contentHash = contentHash
        self.encoderFingerprint = encoderFingerprint
        self.source = source
    }
}

/// What compaction did to one space.
public struct CompactedSpace: Sendable, Equatable {
    public let space: SpaceID
    /// Rows before and after (the live rows).
    public let rowsBefore: Int
    public let rowsAfter: Int
    /// Bytes the space's vectors took before and after.
    public let bytesBefore: Int
    public let bytesAfter: Int
    public let storageBefore: VectorStorage
    public let storageAfter: VectorStorage
    /// False when there was nothing to do (no dead rows, same storage).
    public let rewritten: Bool

    public init(space: SpaceID, rowsBefore: Int, rowsAfter: Int, bytesBefore: Int, bytesAfter: Int,
                storageBefore: VectorStorage, storageAfter: VectorStorage, rewritten: Bool) {
        self.space = space
        self.rowsBefore = rowsBefore
        self.rowsAfter = rowsAfter
        self.bytesBefore = bytesBefore
        self.bytesAfter = bytesAfter
        self.storageBefore = storageBefore
        self.storageAfter = storageAfter
        self.rewritten = rewritten
    }
}

/// What a store counts in one space, without reading vectors.
public struct SpaceCounts: Sendable, Equatable {
    /// Files indexed (with or without rows) and files that failed.
    public var ok = 0
    public var failed = 0
    /// Indexed recordings in which nothing was heard (`FileNote.noSpeech`).
    public var withoutSpeech = 0
    /// Files with vectors per modality, by modality name.
    public var modalities: [(modality: Modality, files: Int)] = []
    /// Stored labels with the number of files carrying each, by name.
    public var labels: [(label: String, files: Int)] = []
    /// The dates and places of the indexed files.
    public var dates = DateCounts()

    public init() {}

    public static func == (a: SpaceCounts, b: SpaceCounts) -> Bool {
        a.ok == b.ok && a.failed == b.failed && a.withoutSpeech == b.withoutSpeech && a.dates == b.dates
            && a.modalities.map(\.modality) == b.modalities.map(\.modality) && a.modalities.map(\.files) == b.modalities.map(\.files)
            && a.labels.map(\.label) == b.labels.map(\.label) && a.labels.map(\.files) == b.labels.map(\.files)
    }
}

/// When and where the indexed files (`ok`, with vectors) of a space were made.
public struct DateCounts: Sendable, Equatable {
    /// Files dated by their EXIF date taken, and by their modification time (every other file).
    public var taken = 0
    public var modified = 0
    /// The earliest and latest date (`FileDate`) of any of them.
    public var earliest: FileDate?
    public var latest: FileDate?
    /// Photos with a GPS position.
    public var positioned = 0
    /// Photos whose camera is known.
    public var withCamera = 0

    public init() {}

    /// The earlier and later of what two stores' queries found (dates taken, modification times).
    public mutating func include(_ date: FileDate?) {
        guard let date else { return }
        if earliest.map({ date < $0 }) ?? true { earliest = date }
        if latest.map({ date > $0 }) ?? true { latest = date }
    }
}

/// One indexed file as a service shows it: its record, its parts (a text file's chunks, a
/// recording's passages, a video's frames; without vectors) and its stored labels.
public struct FileDetails: Sendable, Equatable {
    public let record: FileRecord
    public let parts: [FilePart]
    public let labels: [LabelScore]
    /// What its EXIF said, for a photo whose EXIF was read.
    public var photo: PhotoMetadata?

    public init(record: FileRecord, parts: [FilePart], labels: [LabelScore], photo: PhotoMetadata? = nil) {
        self.record = record
        self.parts = parts
        self.labels = labels
        self.photo = photo
    }

    /// When the file was made: its date taken, else its modification time.
    public var date: FileDate { FileDate(photo: photo, mtimeNs: record.mtimeNs) }

    /// The file's rows as `SpaceSnapshot.vectors(of:)` takes them.
    public var item: IndexedItem {
        IndexedItem(fileID: record.id, path: record.path, modality: record.modality, vectorCount: record.vectorCount)
    }
}

/// What every store takes for a sound stored vector (the contract's "search never returns a
/// row that is not a finite unit vector"): finite values whose ‖r‖² is within
/// `squaredNormTolerance` of 1. f32 rows are unit to float precision and f16 rows to about 1e-3
/// at worst; the embedded store's int8 scan bound assumes ‖r‖ ≤ 1.001, which this keeps.
public enum StoredVectors {
    public static let squaredNormTolerance: Float = 2e-3

    /// Whether `vector` has `dimension` finite values and unit length.
    public static func isSound(_ vector: [Float], dimension: Int) -> Bool {
        guard vector.count == dimension else { return false }
        var sum: Double = 0
        for value in vector {
            guard value.isFinite else { return false }
            sum += Double(value) * Double(value)
        }
        return abs(sum - 1) <= Double(squaredNormTolerance)
    }
}
