import Foundation

/// Files to embed with one encoder, in one call.
struct EmbeddingJob: Sendable {
    let encoder: any Encoder
    let files: [ScannedFile]
}

/// The result of one job: for each file, its vector or why it has none.
struct EmbeddingJobResult: Sendable {
    let files: [ScannedFile]
    let modality: Modality
    let vectors: [Result<[Float], FailureReason>]
    /// Per file, the vectors of its parts (empty for most files and for failures).
    var segments: [[MediaSegment]] = []
    /// The fingerprint of the encoder that made the vectors.
    var encoderFingerprint: String? = nil
}

/// Runs embedding jobs on a fixed number of threads and hands every result to the caller's
/// thread, which is the only one that writes.
enum EmbeddingWorkers {
    private enum Message: Sendable {
        case result(EmbeddingJobResult)
        case finished
    }

    /// Runs `jobs` on `threads` threads; calls `handle` on the calling thread for each result,
    /// and `tick` about every `tickInterval` seconds while waiting. Stops handing out jobs once
    /// `cancel` is set; jobs already started finish and are handled.
    static func run(_ jobs: [EmbeddingJob], threads: Int, dimension: Int,
                    cancel: CancellationFlag?, tickInterval: TimeInterval = 0.25,
                    tick: () throws -> Void = {},
                    handle: (EmbeddingJobResult) throws -> Void) throws {
        guard !jobs.isEmpty else { return }
        let channel = Channel<Message>()
        let next = Locked(0)
        let workerCount = max(1, min(threads, jobs.count))
        for _ in 0..<workerCount {
            let thread = Thread {
                while cancel?.isCancelled != true {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < jobs.count else { break }
                    channel.send(.result(embed(jobs[index], dimension: dimension)))
                }
                channel.send(.finished)
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        var running = workerCount
        var failure: Error?
        while running > 0 {
            guard let message = channel.receive(before: Date().addingTimeInterval(tickInterval)) else {
                if failure == nil { do { try tick() } catch { failure = error } }
                continue
            }
            switch message {
            case .finished:
                running -= 1
            case .result(let result):
                // After a writer failure keep draining, so no worker is left behind.
                guard failure == nil else { continue }
                do { try handle(result) } catch {
                    failure = error
                    next.withLock { $0 = jobs.count }  // hand out no more jobs
                }
            }
        }
        if let failure { throw failure }
    }

    /// Embeds one job; never throws: every failure is recorded against its file.
    static func embed(_ job: EmbeddingJob, dimension: Int) -> EmbeddingJobResult {
        let inputs = job.files.map { EncoderInput.file(URL(fileURLWithPath: $0.path)) }
        let outputs = job.encoder.embedWithSegments(batch: inputs)
        var vectors: [Result<[Float], FailureReason>]
        var segments = [[MediaSegment]](repeating: [], count: inputs.count)
        if outputs.count != inputs.count {
            let reason = FailureReason("encoder \(job.encoder.info.name) returned \(outputs.count) "
                                       + "results for \(inputs.count) inputs")
            vectors = Array(repeating: .failure(reason), count: inputs.count)
        } else {
            vectors = zip(job.files, outputs).map { file, output in
                switch output {
                case .success(let embedded):
                    return VectorCheck.validated(embedded.vector, dimension: dimension)
                case .failure(let error):
                    return .failure(FailureReason(failureText(error, path: file.path)))
                }
            }
            for (i, output) in outputs.enumerated() {
                guard case .success = vectors[i], case .success(let embedded) = output,
                      !embedded.segments.isEmpty else { continue }
                switch SegmentCheck.validated(embedded.segments, dimension: dimension) {
                case .success(let checked): segments[i] = checked
                case .failure(let reason): vectors[i] = .failure(reason)
                }
            }
        }
        return EmbeddingJobResult(files: job.files, modality: job.encoder.info.modality, vectors: vectors,
                                  segments: segments, encoderFingerprint: job.encoder.info.fingerprint)
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
