import Foundation
import MMMedia
import MMTensor

/// Files to embed along one route, in one encoder call.
struct EmbeddingJob: Sendable {
    let route: EncoderRouting.Route
    let files: [ScannedFile]
}

/// The result of one job: for each file, its vectors or why it has none.
struct EmbeddingJobResult: Sendable {
    let files: [ScannedFile]
    let modality: Modality
    let results: [Result<EmbeddedFile, FailureReason>]
    /// For images embedded without failure: what their EXIF says (`PhotoMetadata`), else nil.
    let photos: [PhotoMetadata?]
    /// The fingerprint of the encoder that made the vectors (see `EncoderInfo.fingerprint`).
    let encoderFingerprint: String
}

/// Chunks of long text files embedded so far, counted by the workers and read by the run's
/// progress.
final class ChunkProgress: Sendable {
    private let counts = Locked((done: 0, total: 0))

    func add(done: Int = 0, total: Int = 0) {
        counts.withLock { $0.done += done; $0.total += total }
    }

    var current: (done: Int, total: Int) { counts.withLock { $0 } }
}

/// How a batch of work embeds: the dimension vectors must have, the budget of a long text, and
/// where its chunks are counted.
struct EmbeddingContext: Sendable {
    let dimension: Int
    var textBudget = TextBudget()
    var chunks: ChunkProgress? = nil
}

/// Embeds jobs on worker threads (see `WorkerPool`); every failure is recorded against its
/// file, never thrown.
enum EmbeddingWorkers {
    /// Runs `jobs` on `threads` threads, one encoder call per worker at a time; products get
    /// the threads the workers leave idle (one each when there are jobs for every thread, all
    /// of them for a single long file). Calls `handle` on the calling thread for each result.
    static func run(_ jobs: [EmbeddingJob], threads: Int, context: EmbeddingContext,
                    cancel: CancellationFlag?, tickInterval: TimeInterval = 0.25,
                    tick: () throws -> Void = {},
                    handle: (EmbeddingJobResult) throws -> Void) throws {
        let productThreads = max(1, threads / max(1, min(threads, jobs.count)))
        try WorkerPool.run(jobs, threads: threads, cancel: cancel, tickInterval: tickInterval,
                           work: { job in BLAS.withThreads(productThreads) { embed(job, context: context) } },
                           tick: tick, handle: { _, result in try handle(result) })
    }

    /// Embeds one job.
    static func embed(_ job: EmbeddingJob, context: EmbeddingContext) -> EmbeddingJobResult {
        let dimension = context.dimension
        let encoder = job.route.encoder
        let results: [Result<EmbeddedFile, FailureReason>]
        switch job.route {
        case .file:
            if let passages = encoder as? any PassageEncoder {
                results = embedPassages(job.files, encoder: passages, dimension: dimension)
            } else if let images = encoder as? ImageTextEncoder {
                // The image's vector first; then, on the same worker, the text read in it.
                results = zip(job.files, embedFiles(job.files, encoder: encoder, dimension: dimension)).map { file, result in
                    result.map { images.reader.adding(textOf: file.path, to: $0, dimension: dimension) }
                }
            } else {
                results = embedFiles(job.files, encoder: encoder, dimension: dimension)
            }
        case .document(_, let chunking):
            results = embedDocuments(job.files, encoder: encoder, chunking: chunking, context: context)
        }
        // A photo's date taken, camera and position: a read of its first kilobytes, in the
        // page cache after decoding.
        let photos: [PhotoMetadata?] = encoder.info.modality == .image
            ? zip(job.files, results).map { file, result in
                if case .success = result { PhotoMetadata.read(contentsOf: URL(fileURLWithPath: file.path)) } else { nil }
            }
            : Array(repeating: nil, count: job.files.count)
        return EmbeddingJobResult(files: job.files, modality: encoder.info.modality, results: results,
                                  photos: photos, encoderFingerprint: encoder.info.fingerprint)
    }

    /// Embeds whole files, each with the vectors of its parts when the encoder has them.
    private static func embedFiles(_ files: [ScannedFile], encoder: any Encoder,
                                   dimension: Int) -> [Result<EmbeddedFile, FailureReason>] {
        let inputs = files.map { EncoderInput.file(URL(fileURLWithPath: $0.path)) }
        let outputs = encoder.embedWithParts(batch: inputs)
        let vectors = checked(outputs.map { $0.map(\.vector) }, encoder: encoder, count: inputs.count,
                              dimension: dimension, paths: files.map(\.path))
        return vectors.indices.map { i in
            vectors[i].flatMap { vector -> Result<EmbeddedFile, FailureReason> in
                guard case .success(let embedded) = outputs[i], !embedded.parts.isEmpty else {
                    return .success(EmbeddedFile(rows: .whole(vector)))
                }
                return PartCheck.validated(numbered(embedded.parts), dimension: dimension)
                    .map { EmbeddedFile(rows: .whole(vector), parts: $0) }
            }
        }
    }

    /// `parts` numbered from 0 in order.
    private static func numbered(_ parts: [FilePart]) -> [FilePart] {
        parts.enumerated().map { index, part in
            var part = part
            part.index = index
            return part
        }
    }

    /// Embeds files whose rows are passages of text with time ranges (transcripts): one row
    /// per passage; a file without passages is stored without rows, with its note.
    private static func embedPassages(_ files: [ScannedFile], encoder: any PassageEncoder,
                                      dimension: Int) -> [Result<EmbeddedFile, FailureReason>] {
        files.map { file in
            let embedding: PassageEmbedding
            do {
                embedding = try encoder.embedPassages(.file(URL(fileURLWithPath: file.path)))
            } catch {
                return .failure(FailureReason(failureText(error, path: file.path)))
            }
            return PartCheck.validated(embedding.passages, dimension: dimension, naming: .passage)
                .map { EmbeddedFile(rows: .parts, parts: $0, note: embedding.note) }
        }
    }

    /// Chunks embedded in one encoder call for a long text file, between which its time
    /// budget is checked.
    static let textPiece = 32

    /// Reads and chunks each text file. Short ones (up to `textPiece` chunks) are embedded
    /// together in one batch; a long one on its own, in pieces, under its budget.
    private static func embedDocuments(_ files: [ScannedFile], encoder: any Encoder, chunking: TextChunking,
                                       context: EmbeddingContext) -> [Result<EmbeddedFile, FailureReason>] {
        // Each file's time budget counts from before it is read and chunked.
        var started: [Date] = []
        let chunked = files.map { file in
            started.append(Date())
            return TextDocument.chunks(file.path, chunking: chunking)
        }
        var results = [Result<EmbeddedFile, FailureReason>](repeating: .failure(FailureReason("not embedded")),
                                                               count: files.count)
        var short: [Int] = []
        for (i, chunks) in chunked.enumerated() {
            switch chunks {
            case .failure(let reason): results[i] = .failure(reason)
            case .success(let chunks) where chunks.count > min(textPiece, context.textBudget.maxChunks):
                results[i] = embedLongDocument(files[i].path, chunks, started: started[i], encoder: encoder,
                                               context: context)
            case .success: short.append(i)
            }
        }
        var inputs: [EncoderInput] = []
        var owners: [String] = []
        for i in short {
            for chunk in (try? chunked[i].get()) ?? [] {
                inputs.append(.text(chunk.text ?? ""))
                owners.append(files[i].path)
            }
        }
        var outputs = checked(encoder.embed(batch: inputs), encoder: encoder, count: inputs.count,
                              dimension: context.dimension, paths: owners)[...]
        for i in short {
            let chunks = (try? chunked[i].get()) ?? []
            results[i] = attach(outputs.prefix(chunks.count), to: chunks, of: chunks.count)
            outputs = outputs.dropFirst(chunks.count)
        }
        return results
    }

    /// A long text file's first `budget.maxChunks` chunks, embedded `textPiece` at a time until
    /// they are done or `budget.maxSeconds` have passed since `started` (when the file began to
    /// be read); the note says when it was cut. At least one piece is embedded.
    private static func embedLongDocument(_ path: String, _ chunks: [FilePart], started: Date, encoder: any Encoder,
                                          context: EmbeddingContext) -> Result<EmbeddedFile, FailureReason> {
        let budget = context.textBudget
        let planned = min(chunks.count, budget.maxChunks)
        context.chunks?.add(total: planned)
        var parts: [FilePart] = []
        var next = 0
        defer { context.chunks?.add(total: next - planned) }  // what was not embedded leaves the total
        while next < planned {
            let piece = Array(chunks[next..<min(planned, next + textPiece)])
            let outputs = checked(encoder.embed(batch: piece.map { .text($0.text ?? "") }), encoder: encoder,
                                  count: piece.count, dimension: context.dimension,
                                  paths: Array(repeating: path, count: piece.count))
            switch attach(outputs[...], to: piece, of: chunks.count) {
            case .failure(let reason): return .failure(reason)
            case .success(let embedded): parts += embedded.parts
            }
            next += piece.count
            context.chunks?.add(done: piece.count)
            if Date().timeIntervalSince(started) > budget.maxSeconds { break }
        }
        let note = parts.count < chunks.count ? FileNote(chunksCut: (parts.count, chunks.count)) : nil
        return .success(EmbeddedFile(rows: .parts, parts: parts, note: note))
    }

    /// `chunks` with the vectors of `outputs` (one each, in order), or the first chunk's
    /// failure; `count` is the file's number of chunks, for the message.
    private static func attach(_ outputs: ArraySlice<Result<[Float], FailureReason>>, to chunks: [FilePart],
                               of count: Int) -> Result<EmbeddedFile, FailureReason> {
        var parts: [FilePart] = []
        for (chunk, output) in zip(chunks, outputs) {
            switch output {
            case .success(let vector):
                var part = chunk
                part.vector = vector
                parts.append(part)
            case .failure(let reason):
                return .failure(FailureReason("chunk \(chunk.index + 1) of \(count): \(reason.text)"))
            }
        }
        return .success(EmbeddedFile(rows: .parts, parts: parts))
    }

    /// The encoder's outputs checked by the host: one per input, right length, finite, unit.
    private static func checked(_ outputs: [Result<[Float], Error>], encoder: any Encoder, count: Int,
                                dimension: Int, paths: [String]) -> [Result<[Float], FailureReason>] {
        guard outputs.count == count else {
            let reason = FailureReason("encoder \(encoder.info.name) returned \(outputs.count) "
                                       + "results for \(count) inputs")
            return Array(repeating: .failure(reason), count: count)
        }
        return zip(paths, outputs).map { path, output in
            switch output {
            case .success(let vector):
                return VectorCheck.validated(vector, dimension: dimension)
            case .failure(let error):
                return .failure(FailureReason(failureText(error, path: path)))
            }
        }
    }

    /// An encoder error as a reason to print after `path: `. Errors that already start with
    /// the path lose that prefix, so it is not printed twice.
    static func failureText(_ error: Error, path: String) -> String {
        var text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        for prefix in [path + ": ", URL(fileURLWithPath: path).lastPathComponent + ": "]
        where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
            break
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "unknown error (\(type(of: error)))" : trimmed
    }
}
