import Foundation

/// The search engine as a library: a model pack and an index directory.
///
///     let engine = Engine(pack: pack, indexDirectory: dir)
///     let summary = try engine.index(roots: [photos]) { event in … }
///     let hits = try engine.search(.text("a dog"), limit: 10)
public struct Engine: Sendable {
    public let pack: ModelPack
    public let indexDirectory: URL

    public init(pack: ModelPack, indexDirectory: URL) {
        self.pack = pack
        self.indexDirectory = indexDirectory
    }

    /// Indexes the files under `roots` (folders or single files) incrementally: unchanged files
    /// are not read, moved and copied ones keep their vectors (recognised by content hash),
    /// changed ones are embedded again, and files gone from a root leave the index. Plain-text
    /// files (`.txt`, `.md`) go through the pack's text encoder, one vector per chunk.
    /// A file that fails is reported through `progress` and recorded; the run goes on.
    /// Setting `cancel` stops the run early; what was committed stays.
    public func index(roots: [URL], options: IndexOptions = IndexOptions(),
                      cancel: CancellationFlag? = nil,
                      progress: (IndexEvent) -> Void = { _ in }) throws -> IndexSummary {
        let cwd = FileManager.default.currentDirectoryPath
        var seen = Set<String>()
        let paths = roots.map { FilePaths.absolute($0.path, relativeTo: cwd) }.filter { seen.insert($0).inserted }
        let store = try IndexStore.openForWriting(at: indexDirectory)
        return try Indexer(pack: pack, store: store, options: options)
            .run(roots: paths, cancel: cancel, events: progress)
    }

    /// Embeds a text or a file with the pack's encoder for it.
    public func embed(_ query: Query) throws -> Embedding {
        let encoder: any Encoder
        let input: EncoderInput
        switch query {
        case .text(let text):
            guard let text_ = pack.encoder(for: .text) else {
                throw MMSearchError(.usage, "model pack '\(pack.name)' has no text encoder")
            }
            encoder = text_
            input = .text(text)
        case .file(let url):
            let path = url.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw MMSearchError(.usage, "\(path): no such file")
            }
            guard !isDirectory.boolValue else {
                throw MMSearchError(.usage, "\(path): is a folder, not a file")
            }
            guard let fileEncoder = pack.encoder(forFile: path) else {
                throw MMSearchError(.usage, "\(path): model pack '\(pack.name)' reads no such files "
                                    + "(it reads \(pack.fileExtensions.joined(separator: ", ")))")
            }
            encoder = fileEncoder
            input = .file(url)
        }
        let vector: [Float]
        var transcript: String?
        do {
            if let passages = encoder as? any PassageEncoder {
                let embedding = try passages.embedPassages(input)
                guard let pooled = embedding.pooledVector else {
                    throw EncoderError(embedding.note ?? "no passages to embed")
                }
                (vector, transcript) = (pooled, embedding.text)
            } else {
                vector = try encoder.embed(input)
            }
        } catch {
            let label = query.kind == "file" ? query.value : "query text"
            throw MMSearchError(.inputFailed,
                                "\(label): \(EmbeddingWorkers.failureText(error, path: query.value))")
        }
        switch VectorCheck.validated(vector, dimension: pack.space.dimension) {
        case .success(let unit):
            return Embedding(vector: unit, modality: encoder.info.modality, space: pack.space, transcript: transcript)
        case .failure(let reason):
            throw MMSearchError(.inputFailed, "\(query.value): \(reason.text)")
        }
    }

    /// Opens the index for searching in the pack's space.
    public func reader() throws -> IndexReader {
        try IndexReader(directory: indexDirectory, space: pack.space)
    }

    /// The `limit` indexed files (text files: chunks) closest to `query`, best first.
    public func search(_ query: Query, limit: Int, options: SearchOptions = SearchOptions()) throws -> [SearchHit] {
        // Open the index first: a missing index or a space mismatch is reported before the
        // (slower) embedding.
        let reader = try reader()
        let vector = try embed(query).vector
        return try reader.withBestSegments(reader.search(vector, limit: limit, options: options), query: vector)
    }

    /// Rewrites the index's vector segments without dead rows (replaced and deleted files),
    /// converting them to `storage` when given. Needs no models.
    public func compact(storage: VectorElementType? = nil) throws -> [CompactedSpace] {
        try IndexCompaction.run(directory: indexDirectory, storage: storage)
    }

    /// Files that failed to index, with their reasons.
    public func failures() throws -> [FileRecord] {
        let store = try IndexStore.openForReading(at: indexDirectory)
        guard let space = try store.space(matching: pack.space) else { return [] }
        return try store.catalog.failures(space: space.id)
    }
}
