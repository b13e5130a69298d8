import Foundation

/// What `Index.copy(to:)` did.
public struct IndexCopySummary: Sendable, Equatable {
    /// Files copied with their vectors, files copied as failures, files whose stored vectors
    /// could not be read (recorded as failed in the copy, so the next index run embeds them).
    public var files = 0
    public var failures = 0
    public var unreadable = 0
    /// Vector rows and stored labels copied.
    public var rows = 0
    public var labels = 0
    public var seconds: TimeInterval = 0
}

extension Index {
    /// Copies this index into `destination` (another store: a folder into PostgreSQL, or
    /// back) without embedding anything: every file's record, vectors, parts, note, encoder
    /// fingerprint and labels, and every failure, space by space. The destination must hold no
    /// index yet. This index is opened for writing while it is copied (no indexer may change
    /// it meanwhile); the destination commits in batches, each one transaction, and builds
    /// what its store makes in bulk at the end (`SpaceWriter.finish`).
    public func copy(to destination: Index, batch: Int = 512,
                     progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> IndexCopySummary {
        let start = Date()
        let spaces = try store.spaces()
        if destination.store.exists(), let held = try destination.store.spaces().first,
           case let counts = try destination.store.counts(of: held), counts.ok + counts.failed > 0 {
            throw MMSearchError(.usage, "\(destination.location) already holds an index (\(held.spaceID)): "
                                + "copy into an empty one")
        }
        var summary = IndexCopySummary()
        for space in spaces {
            let storage = VectorStorage(rawValue: space.elementType) ?? .f32
            // Held (with the embedded store's writer lock) until the space is copied.
            let source = try store.writer(for: space.spaceID, storage: storage)
            defer { withExtendedLifetime(source) {} }
            let records = try source.files(under: ["/"]).values.sorted { $0.path < $1.path }
            let fingerprints = try source.encoderFingerprints(under: ["/"])
            let target = try destination.store.writer(for: space.spaceID, storage: storage, besideOthers: true)
            var labels: [String: [LabelScore]] = [:]
            var photos: [String: PhotoMetadata] = [:]
            try store.reader(for: space).read { snapshot in
                var done = 0
                for slice in stride(from: 0, to: records.count, by: batch).map({ records[$0..<min($0 + batch, records.count)] }) {
                    var files: [IndexedFile] = []
                    for record in slice {
                        let outcome = try Self.outcome(of: record, in: snapshot, labels: &labels, photos: &photos)
                        switch outcome {
                        case .success(let embedded):
                            summary.files += 1
                            summary.rows += embedded.rowVectors.count
                        case .failure where record.status == .ok: summary.unreadable += 1
                        case .failure: summary.failures += 1
                        }
                        files.append(IndexedFile(file: ScannedFile(path: record.path, size: record.size, mtimeNs: record.mtimeNs),
                                                 modality: record.modality,
                                                 contentHash: record.contentHash.map { UInt64(bitPattern: $0) },
                                                 encoderFingerprint: fingerprints[record.path], outcome: outcome,
                                                 photo: photos[record.path]))
                    }
                    try target.commit(files)
                    done += slice.count
                    progress(done, records.count)
                }
            }
            if !labels.isEmpty, let copied = try destination.store.spaces().first(where: { $0.spaceID == space.spaceID }) {
                let ids = try target.files(under: ["/"])
                let entries = labels.compactMap { path, scores in ids[path].map { (fileID: $0.id, labels: scores) } }
                try destination.store.replaceLabels(entries, in: copied)
                summary.labels += entries.reduce(0) { $0 + $1.labels.count }
            }
            try target.finish()
        }
        // Which space queries use, and the precision each space was embedded at.
        var settings: [IndexSetting] = [.activeSpace, .precision]
        settings += spaces.map { IndexSetting.precision(of: $0.name) }
        for key in settings {
            if let value = try store.setting(key) { try destination.store.record(key, value) }
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// A stored file as an index run's outcome: its rows and parts as the store holds them.
    private static func outcome(of record: FileRecord, in snapshot: any SpaceSnapshot,
                                labels: inout [String: [LabelScore]],
                                photos: inout [String: PhotoMetadata]) throws -> Result<EmbeddedFile, FailureReason> {
        guard record.status == .ok else { return .failure(FailureReason(record.error ?? "failed")) }
        guard record.vectorCount > 0 else { return .success(EmbeddedFile(rows: .parts, note: record.fileNote)) }
        guard let details = try snapshot.file(id: record.id), let vectors = try snapshot.vectors(of: details.item),
              vectors.count == record.vectorCount else {
            return .failure(FailureReason("its stored vectors could not be read when the index was copied; index it again"))
        }
        if !details.labels.isEmpty { labels[record.path] = details.labels }
        photos[record.path] = details.photo
        let frames = try snapshot.partsUnderRow(ofFile: record.path)
        if frames.isEmpty, !details.parts.isEmpty, details.parts.count == vectors.count {
            // A file searched by its parts: one row per chunk.
            let parts = zip(details.parts, vectors).map { part, vector in
                var part = part
                part.vector = vector
                return part
            }
            return .success(EmbeddedFile(rows: .parts, parts: parts, note: record.fileNote))
        }
        return .success(EmbeddedFile(rows: .whole(vectors[0]), parts: frames, note: record.fileNote))
    }
}
