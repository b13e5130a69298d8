import Foundation

/// Adds vectors made elsewhere (another tool, a benchmark) to an index under file paths, with
/// the rules of an index run: checked like an encoder's output, committed with their records in
/// one transaction, the index's writer lock held while the importer lives.
public final class VectorImporter {
    private let writer: any SpaceWriter

    /// Opens (creating when needed) `space` of `index` for writing, its vectors stored as
    /// `storage` when the index is new.
    public init(index: Index, space: SpaceID, storage: VectorStorage = .f32) throws {
        writer = try index.store.writer(for: space, storage: storage)
    }

    /// Adds `items` in one commit; a path already indexed gets the new vector. A vector of the
    /// wrong length, or with NaN or infinite values, is an error naming its path.
    public func add(_ items: [(path: String, vector: [Float])], modality: Modality, size: Int64 = 0,
                    mtimeNs: Int64 = 0) throws {
        var files: [IndexedFile] = []
        files.reserveCapacity(items.count)
        for item in items {
            switch VectorCheck.validated(item.vector, dimension: writer.space.dimension) {
            case .success(let unit):
                files.append(IndexedFile(file: ScannedFile(path: item.path, size: size, mtimeNs: mtimeNs),
                                         modality: modality, contentHash: nil, encoderFingerprint: nil,
                                         outcome: .success(EmbeddedFile(rows: .whole(unit)))))
            case .failure(let reason): throw MMSearchError(.inputFailed, "\(item.path): \(reason.text)")
            }
        }
        try writer.commit(files)
    }

    /// Builds what the store makes in bulk after the last `add` (see `SpaceWriter.finish`).
    public func finish() throws {
        try writer.finish()
    }
}
