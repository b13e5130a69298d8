import Foundation
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
    /// The fingerprint of the encoder that made the vectors (see `EncoderInfo.fingerprint`).
    let encoderFingerprint: String
}

/// Embeds jobs on worker threads (see `WorkerPool`); every failure is recorded against its
/// file, never thrown.
enum EmbeddingWorkers {
    /// Runs `jobs` on `threads` threads, one encoder call per worker at a time, each with
    /// products on its own thread (the workers already use every core); calls `handle` on the
    /// calling thread for each result.
    static func run(_ jobs: [EmbeddingJob], threads: Int, dimension: Int,
                    cancel: CancellationFlag?, tickInterval: TimeInterval = 0.25,
                    tick: () throws -> Void = {},
                    handle: (EmbeddingJobResult) throws -> Void) throws {
        try WorkerPool.run(jobs, threads: threads, cancel: cancel, tickInterval: tickInterval,
                           work: { job in BLAS.withThreads(1) { embed(job, dimension: dimension) } }, tick: tick,
                           handle: { _, result in try handle(result) })
    }

    /// Embeds one job.
    static func embed(_ job: EmbeddingJob, dimension: Int) -> EmbeddingJobResult {
        let encoder = job.route.encoder
        let results: [Result<EmbeddedFile, FailureReason>]
        switch job.route {
        case .file:
            if let passages = encoder as? any PassageEncoder {
                results = embedPassages(job.files, encoder: passages, dimension: dimension)
            } else {
                results = embedFiles(job.files, encoder: encoder, dimension: dimension)
            }
        case .document(_, let chunking):
            results = embedDocuments(job.files, encoder: encoder, chunking: chunking, dimension: dimension)
        }
        return EmbeddingJobResult(files: job.files, modality: encoder.info.modality, results: results,
                                  encoderFingerprint: encoder.info.fingerprint)
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

    /// Reads and chunks each text file, then embeds every chunk of the job in one batch.
    private static func embedDocuments(_ files: [ScannedFile], encoder: any Encoder, chunking: TextChunking,
                                       dimension: Int) -> [Result<EmbeddedFile, FailureReason>] {
        let chunked = files.map { TextDocument.chunks($0.path, chunking: chunking) }
        var inputs: [EncoderInput] = []
        var owners: [String] = []
        for (file, chunks) in zip(files, chunked) {
            for chunk in (try? chunks.get()) ?? [] {
                inputs.append(.text(chunk.text ?? ""))
                owners.append(file.path)
            }
        }
        var outputs = checked(encoder.embed(batch: inputs), encoder: encoder, count: inputs.count,
                              dimension: dimension, paths: owners)[...]
        return chunked.map { chunks in
            chunks.flatMap { chunks -> Result<EmbeddedFile, FailureReason> in
                let mine = outputs.prefix(chunks.count)
                outputs = outputs.dropFirst(chunks.count)
                var parts: [FilePart] = []
                for (chunk, output) in zip(chunks, mine) {
                    switch output {
                    case .success(let vector):
                        var part = chunk
                        part.vector = vector
                        parts.append(part)
                    case .failure(let reason):
                        return .failure(FailureReason("chunk \(chunk.index + 1) of \(chunks.count): \(reason.text)"))
                    }
                }
                return .success(EmbeddedFile(rows: .parts, parts: parts))
            }
        }
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
