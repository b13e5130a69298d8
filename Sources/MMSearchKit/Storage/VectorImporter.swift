import Foundation

/// Adds vectors made elsewhere (another tool, a benchmark) to an index under file paths, with
/// the rules of an index run: checked like an encoder's output, appended and synced before the
/// catalog transaction that makes them visible, the index locked while it lasts.
public final class VectorImporter {
    private let store: IndexStore
    private let lock: IndexLock
    private let space: SpaceRecord
    private let writer: SpaceSegmentWriter

    /// Opens (creating when needed) the index in `directory` for vectors of `space`, stored
    /// as `storage` when the index is new.
    public init(directory: URL, space: SpaceID, storage: VectorElementType = .f32) throws {
        store = try IndexStore.openForWriting(at: directory)
        lock = try store.lockForWriting()
        let record = try store.space(matching: space) ?? store.addSpace(space, storage: storage == .int8 ? .f32 : storage)
        self.space = record
        writer = try store.segmentWriter(for: record)
        _ = try store.catalog.reconcile(space: record.id, segmentRows: writer.rowCount)
    }

    /// Adds `items` in one commit; a path already indexed gets the new vector. A vector of the
    /// wrong length, or with NaN or infinite values, is an error naming its path.
    public func add(_ items: [(path: String, vector: [Float])], modality: Modality, size: Int64 = 0,
                    mtimeNs: Int64 = 0) throws {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(items.count)
        for item in items {
            switch VectorCheck.validated(item.vector, dimension: space.dimension) {
            case .success(let unit): vectors.append(unit)
            case .failure(let reason): throw MMSearchError(.inputFailed, "\(item.path): \(reason.text)")
            }
        }
        let code = try store.catalog.modalityCodes(for: [modality])[modality] ?? 0
        let rows = try writer.append(vectors, tags: [UInt8](repeating: code, count: vectors.count))
        let outcomes = items.enumerated().map { i, item in
            FileOutcome(path: item.path, size: size, mtimeNs: mtimeNs, modality: modality, contentHash: nil,
                        result: .success(StoredRows(rows: (rows.lowerBound + i)..<(rows.lowerBound + i + 1), chunks: [])))
        }
        try store.catalog.record(outcomes, space: space.id, rowCount: writer.rowCount)
    }

    deinit { withExtendedLifetime(lock) {} }
}
