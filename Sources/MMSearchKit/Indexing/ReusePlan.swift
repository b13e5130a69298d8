/// What an index run does with each new or changed file once its content is hashed: the
/// decisions that keep moved, renamed and copied files from being embedded again.
enum ReuseAction: Sendable {
    /// Same content as recorded for this path (only the modification time changed).
    case touch(FileRecord)
    /// The content of a file gone from its old path: the record moves, vectors and all.
    case move(FileRecord)
    /// The content of a file still indexed: its vectors are copied.
    case copy(FileRecord)
    /// The content of another file embedded in this run: copied once that one is stored.
    case copyLater(path: String)
    case embed
}

/// A file to plan for, with its hash, and the modality and fingerprint of the encoder that
/// reads it now.
struct HashedFile: Sendable {
    let file: ScannedFile
    let hash: UInt64
    let modality: Modality
    let encoder: String
}

extension HashedFile {
    /// This file stored with the vectors of `source`, a file with the same content.
    func copy(of source: FileRecord) -> FileCopy {
        FileCopy(file: file, contentHash: hash, encoderFingerprint: encoder, source: source)
    }
}

/// Decides, in order, for each hashed file.
struct ReusePlanner {
    /// The key two files must share for one's vectors to serve the other.
    private struct Key: Hashable {
        let hash: UInt64
        let size: Int64
        let modality: Modality
    }

    /// Records of the scanned roots, by path.
    let known: [String: FileRecord]
    /// Records whose files are gone (not seen by the scan).
    private let goneRecords: [FileRecord]
    /// Those that can move, by content; each moves once.
    private var gone: [Key: [FileRecord]] = [:]
    private var moved = Set<Int64>()
    /// Files of this run that will be embedded, by content.
    private var embedding: [Key: String] = [:]
    /// The fingerprint of the encoder that made each known record's vectors, by path; records
    /// without one are taken as made by the current encoder.
    let fingerprints: [String: String]
    /// An `ok` record elsewhere in the index with this content (hash, size, modality) whose
    /// vectors the encoder with this fingerprint made, if any.
    let lookup: (UInt64, Int64, Modality, String) throws -> FileRecord?

    init(known: [String: FileRecord], gone: [FileRecord], fingerprints: [String: String],
         lookup: @escaping (UInt64, Int64, Modality, String) throws -> FileRecord?) {
        self.known = known
        self.fingerprints = fingerprints
        self.lookup = lookup
        goneRecords = gone
        for record in gone where record.status == .ok {
            guard let hash = record.contentHash else { continue }
            self.gone[Key(hash: UInt64(bitPattern: hash), size: record.size, modality: record.modality), default: []]
                .append(record)
        }
    }

    /// The action for `file`; call in a fixed order (by path) so runs are repeatable.
    mutating func plan(_ file: HashedFile) throws -> ReuseAction {
        let key = Key(hash: file.hash, size: file.file.size, modality: file.modality)
        if let record = known[file.file.path], record.status == .ok, record.modality == file.modality,
           record.size == file.file.size, record.contentHash.map({ UInt64(bitPattern: $0) }) == file.hash,
           madeByCurrent(record, file) {
            return .touch(record)
        }
        if var records = gone[key], let index = records.firstIndex(where: { madeByCurrent($0, file) }) {
            let record = records.remove(at: index)
            gone[key] = records
            moved.insert(record.id)
            return .move(record)
        }
        if let record = try lookup(file.hash, file.file.size, file.modality, file.encoder),
           record.path != file.file.path {
            return .copy(record)
        }
        if let path = embedding[key] { return .copyLater(path: path) }
        embedding[key] = file.file.path
        return .embed
    }

    /// Whether `record`'s vectors were made by the encoder that reads `file` now.
    private func madeByCurrent(_ record: FileRecord, _ file: HashedFile) -> Bool {
        fingerprints[record.path].map { $0 == file.encoder } ?? true
    }

    /// Gone records that no file moved into: they leave the index.
    var unmoved: [FileRecord] { goneRecords.filter { !moved.contains($0.id) } }
}
