import Foundation
import GRDB
import MMSearchKit

/// Writes one space of an embedded index, holding the index's lock.
///
/// Commit order is the crash-safety rule of the index: vectors are appended to the vector
/// files and synced first, then one catalog transaction makes them visible. A crash in between
/// leaves rows past the catalog's `row_count`, which the next writer turns into a tombstone
/// (`Catalog.reconcile`).
final class EmbeddedWriter: SpaceWriter {
    let catalog: Catalog
    let space: SpaceRecord
    private let lock: IndexLock
    private let vectors: SpaceVectorFiles
    private let graphParameters: GraphParameters
    /// Rows the space's graph file links, as its header says (0 without one).
    private var graphRows: Int

    init(catalog: Catalog, lock: IndexLock, space: SpaceRecord, files: SpaceVectorFiles,
         graph: GraphParameters = .standard) {
        self.catalog = catalog
        self.lock = lock
        self.space = space
        self.vectors = files
        self.graphParameters = graph
        graphRows = GraphHeader.read(VectorGraph.url(of: files.master.url))?.count ?? 0
    }

    deinit { withExtendedLifetime(lock) {} }

    func files(under roots: [String]) throws -> [String: FileRecord] {
        var known: [String: FileRecord] = [:]
        for root in roots {
            known.merge(try catalog.files(under: root, space: space.id)) { a, _ in a }
        }
        return known
    }

    func encoderFingerprints(under roots: [String]) throws -> [String: String] {
        try PartTables.encoderFingerprints(under: roots, space: space.id, in: catalog)
    }

    func file(path: String) throws -> FileRecord? {
        try catalog.file(path: path, space: space.id)
    }

    func reusable(hash: UInt64, size: Int64, modality: Modality, encoder: String) throws -> FileRecord? {
        try catalog.reusable(hash: hash, size: size, modality: modality, encoder: encoder, space: space.id)
    }

    func commit(_ indexed: [IndexedFile]) throws {
        guard !indexed.isEmpty else { return }
        let codes = try catalog.modalityCodes(for: Set(indexed.map(\.modality)))
        var vectors: [[Float]] = []
        var tags: [UInt8] = []
        for file in indexed {
            if case .success(let embedded) = file.outcome {
                let rows = embedded.rowVectors
                vectors += rows
                tags += [UInt8](repeating: codes[file.modality] ?? 0, count: rows.count)
            }
        }
        let rows = try self.vectors.append(vectors, tags: tags)
        var next = rows.lowerBound
        let outcomes = indexed.map { file -> FileOutcome in
            var partsUnderRow: [FilePart] = []
            var note: FileNote?
            let result = file.outcome.map { embedded -> StoredRows in
                let count = embedded.rowVectors.count
                defer { next += count }
                note = embedded.note
                switch embedded.rows {
                case .whole:
                    partsUnderRow = embedded.parts
                    return StoredRows(rows: next..<(next + count), chunks: [])
                case .parts:
                    return StoredRows(rows: next..<(next + count), chunks: embedded.parts)
                }
            }
            return FileOutcome(path: file.file.path, size: file.file.size, mtimeNs: file.file.mtimeNs,
                               modality: file.modality, contentHash: file.contentHash, result: result,
                               encoderFingerprint: file.encoderFingerprint, partsUnderRow: partsUnderRow, note: note,
                               photo: file.photo)
        }
        try catalog.record(outcomes, space: space.id, rowCount: self.vectors.rowCount)
        // A long run links its rows as it goes, so that searches meanwhile scan few rows.
        if self.vectors.rowCount - graphRows >= max(graphParameters.tailRows, graphRows / 4) {
            graphRows = try self.vectors.updateGraph(graphParameters)
        }
    }

    /// Links the rows appended since the graph was written (or every row, when there is no
    /// graph or it cannot be trusted) once the space has `GraphParameters.minimumRows`.
    func record(_ key: IndexSetting, _ value: String) throws {
        try catalog.record(key, value)
    }

    func finish() throws {
        if graphRows != vectors.rowCount { graphRows = try vectors.updateGraph(graphParameters) }
    }

    /// Rows of the sources are appended as copies and synced once, then one catalog
    /// transaction records every copy with its source's parts, encoder and note.
    func copy(_ copies: [FileCopy]) throws {
        guard !copies.isEmpty else { return }
        let sources = copies.map { copy -> Range<Int> in
            guard let first = copy.source.vectorRow, copy.source.vectorCount > 0 else { return 0..<0 }
            return Catalog.rows(first: Int(first), count: copy.source.vectorCount)
        }
        let chunks = try copies.map { try catalog.chunks(fileID: $0.source.id) }
        let parts = try catalog.read { db in
            try copies.map { try PartTables.partsUnderRow(path: $0.source.path, space: space.id, dimension: space.dimension, in: db) }
        }
        let photos = try catalog.read { db in try copies.map { try PhotoTable.details(fileID: $0.source.id, in: db) } }
        let rows = try vectors.appendCopies(of: sources)
        let outcomes = copies.indices.map { i in
            FileOutcome(path: copies[i].file.path, size: copies[i].file.size, mtimeNs: copies[i].file.mtimeNs,
                        modality: copies[i].source.modality, contentHash: copies[i].contentHash,
                        result: .success(StoredRows(rows: rows[i], chunks: chunks[i])),
                        encoderFingerprint: copies[i].encoderFingerprint, partsUnderRow: parts[i],
                        note: copies[i].source.fileNote, photo: photos[i])
        }
        try catalog.record(outcomes, space: space.id, rowCount: self.vectors.rowCount)
    }

    func touch(_ touched: [(id: Int64, file: ScannedFile)]) throws {
        try catalog.touch(touched)
    }

    func move(_ moves: [(id: Int64, file: ScannedFile)]) throws {
        try catalog.move(moves, space: space.id)
    }

    func remove(paths: [String]) throws {
        try catalog.remove(paths: paths, space: space.id)
    }

    func imagesWithoutPhotoDetails(under roots: [String]) throws -> [(id: Int64, path: String)] {
        try catalog.imagesWithoutPhotoDetails(under: roots, space: space.id)
    }

    func recordPhotoDetails(_ entries: [(id: Int64, photo: PhotoMetadata)]) throws {
        try catalog.recordPhotoDetails(entries)
    }
}
