import Foundation
import MMTensor

/// The search engine as a library: a model pack and an index.
///
///     let engine = Engine(pack: pack, index: BuiltinStores.index(at: folder))   // MMBuiltins
///     let summary = try engine.index(roots: [photos]) { event in … }
///     let hits = try engine.search(.text("a dog"), limit: 10)
///
/// Nothing is opened until an operation needs it: embedding and describing never touch the
/// index.
public struct Engine: Sendable {
    public let pack: ModelPack
    public let index: Index
    /// Threads the products of one embedding may use (a query, a label's prompts, the words
    /// of `describe`): every core by default, as nothing else runs then. An index run sets its
    /// own (`IndexOptions.threads` workers, one thread each).
    public var threads: Int

    public init(pack: ModelPack, index: Index, threads: Int = Cores.available) {
        self.pack = pack
        self.index = index
        self.threads = max(1, threads)
    }

    /// Indexes the files under `roots` (folders or single files) incrementally: unchanged files
    /// are not read, moved and copied ones keep their vectors (recognised by content hash),
    /// changed ones are embedded again, and files gone from a root leave the index. Plain-text
    /// files (`.txt`, `.md`) go through the pack's text encoder, one vector per chunk.
    /// A file that fails is reported through `progress` and recorded; the run goes on.
    /// Setting `cancel` stops the run early; what was committed stays.
    ///
    /// An index that holds other spaces but not the pack's is refused unless
    /// `options.besideOtherSpaces`: then the pack's space is built beside them, and queries keep
    /// using the active space (`Index.activeSpace`) until `Index.use` switches.
    public func index(roots: [URL], options: IndexOptions = IndexOptions(),
                      cancel: CancellationFlag? = nil,
                      progress: (IndexEvent) -> Void = { _ in }) throws -> IndexSummary {
        let cwd = FileManager.default.currentDirectoryPath
        var seen = Set<String>()
        let paths = roots.map { FilePaths.absolute($0.path, relativeTo: cwd) }.filter { seen.insert($0).inserted }
        let writer = try index.store.writer(for: pack.space, storage: options.storage, besideOthers: options.besideOtherSpaces)
        return try Indexer(pack: pack, writer: writer, excluded: index.store.ownFolders, options: options)
            .run(roots: paths, cancel: cancel, events: progress)
    }

    /// Embeds a text or a file with the pack's encoder for it. A plain-text file (`.txt`,
    /// `.md`) is cut into chunks like an indexed one; its vector is the normalised mean of theirs.
    public func embed(_ query: Query) throws -> Embedding {
        try BLAS.withThreads(threads) { try embedOne(query) }
    }

    private func embedOne(_ query: Query) throws -> Embedding {
        let routing = EncoderRouting(pack: pack)
        let route: EncoderRouting.Route
        let label: String
        switch query {
        case .text(let text):
            return try embedTexts([text])[0].get()
        case .file(let url):
            label = url.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: label, isDirectory: &isDirectory) else {
                throw MMSearchError(.usage, "\(label): no such file")
            }
            guard !isDirectory.boolValue else {
                throw MMSearchError(.usage, "\(label): is a folder, not a file")
            }
            guard let found = routing.route(label) else {
                let documents = routing.extensions.filter { !pack.fileExtensions.contains($0) }
                throw MMSearchError(.usage, "\(label): model pack '\(pack.name)' reads no such files "
                                    + "(it reads \(pack.fileExtensions.joined(separator: ", "))"
                                    + (documents.isEmpty ? "" : ", and \(documents.joined(separator: ", ")) as text") + ")")
            }
            route = found
        }
        let file = ScannedFile(path: label, size: 0, mtimeNs: 0)
        let result = EmbeddingWorkers.embed(EmbeddingJob(route: route, files: [file]),
                                            context: EmbeddingContext(dimension: pack.space.dimension))
        switch result.results[0] {
        case .failure(let reason):
            throw MMSearchError(.inputFailed, "\(label): \(reason.text)")
        case .success(let embedded):
            let vectors = embedded.rowVectors
            guard !vectors.isEmpty else {
                throw MMSearchError(.inputFailed, "\(label): \(embedded.note.map(String.init(describing:)) ?? "has no text to embed")")
            }
            guard let mean = vectors.count == 1 ? vectors[0] : UnitVector.mean(vectors) else {
                throw MMSearchError(.inputFailed, "\(label): the vectors of its \(vectors.count) parts cancel out")
            }
            // A recording read as passages: what was said, for `embed --json`.
            let transcript = route.encoder is any PassageEncoder
                ? embedded.parts.compactMap(\.text).joined(separator: " ") : nil
            return try checked(mean, modality: result.modality, label: label, transcript: transcript)
        }
    }

    /// Query texts embedded by the pack's text encoder in one batch (the encoder gives each
    /// text the numbers it gets alone); an error fails its own text only: when the encoder
    /// fails a batch, its texts are embedded again one at a time.
    func embedTexts(_ texts: [String]) -> [Result<Embedding, Error>] {
        guard let encoder = pack.encoder(for: .text) else {
            let error = MMSearchError(.usage, "model pack '\(pack.name)' has no text encoder")
            return texts.map { _ in .failure(error) }
        }
        var vectors = encoder.embed(batch: texts.map { .text($0) })
        if texts.count > 1, vectors.contains(where: { if case .failure = $0 { true } else { false } }) {
            vectors = texts.map { text in Result { try encoder.embed(.text(text)) } }
        }
        return zip(texts, vectors).map { text, result in
            Result {
                let vector: [Float]
                do {
                    vector = try result.get()
                } catch {
                    throw MMSearchError(.inputFailed, "query text: \(EmbeddingWorkers.failureText(error, path: text))")
                }
                return try checked(vector, modality: encoder.info.modality, label: text)
            }
        }
    }

    private func checked(_ vector: [Float], modality: Modality, label: String,
                         transcript: String? = nil) throws -> Embedding {
        switch VectorCheck.validated(vector, dimension: pack.space.dimension) {
        case .success(let unit):
            return Embedding(vector: unit, modality: modality, space: pack.space, transcript: transcript)
        case .failure(let reason):
            throw MMSearchError(.inputFailed, "\(label): \(reason.text)")
        }
    }

    /// Opens the index for searching in the pack's space.
    public func reader() throws -> IndexReader {
        try index.reader(for: pack.space)
    }

    /// The `limit` indexed files closest to `query`, best first, through `options`' filters
    /// (see `search(_:limit:options:)` for expressions).
    public func search(_ query: Query, limit: Int, options: SearchOptions = SearchOptions()) throws -> [SearchHit] {
        try search(QueryExpression(query), limit: limit, options: options)
    }
}
