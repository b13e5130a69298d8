/// Outcomes waiting to be committed. Commit order is the crash-safety rule of the index:
/// vectors are appended and synced first, then one catalog transaction makes them visible.
struct CommitBatch {
    private var entries: [(file: ScannedFile, modality: Modality, hash: UInt64?, encoder: String?,
                           outcome: Result<EmbeddedFile, FailureReason>)] = []

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// Adds a file's outcome; `encoder` is the fingerprint of the encoder that made it.
    mutating func add(_ file: ScannedFile, modality: Modality, hash: UInt64?, encoder: String?,
                      outcome: Result<EmbeddedFile, FailureReason>) {
        entries.append((file, modality, hash, encoder, outcome))
    }

    /// Writes the batch and empties it; returns how many files were stored with vectors.
    mutating func commit(to writer: SpaceSegmentWriter, catalog: Catalog, space: Int64) throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let codes = try catalog.modalityCodes(for: Set(entries.map(\.modality)))
        var vectors: [[Float]] = []
        var tags: [UInt8] = []
        for entry in entries {
            if case .success(let embedded) = entry.outcome {
                vectors += embedded.vectors
                tags += [UInt8](repeating: codes[entry.modality] ?? 0, count: embedded.vectors.count)
            }
        }
        let rows = try writer.append(vectors, tags: tags)
        var next = rows.lowerBound
        var stored = 0
        let outcomes = entries.map { entry -> FileOutcome in
            let result = entry.outcome.map { embedded -> StoredRows in
                defer { next += embedded.vectors.count }
                stored += 1
                return StoredRows(rows: next..<(next + embedded.vectors.count), chunks: embedded.chunks)
            }
            var segments: [MediaSegment] = []
            var note: String?
            if case .success(let embedded) = entry.outcome { (segments, note) = (embedded.segments, embedded.note) }
            return FileOutcome(path: entry.file.path, size: entry.file.size, mtimeNs: entry.file.mtimeNs,
                               modality: entry.modality, contentHash: entry.hash, result: result,
                               encoderFingerprint: entry.encoder, segments: segments, note: note)
        }
        try catalog.record(outcomes, space: space, rowCount: writer.rowCount)
        entries.removeAll(keepingCapacity: true)
        return stored
    }
}
