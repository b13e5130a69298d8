import Foundation

/// One index run: scan the roots, forget files that are gone, embed the new and changed ones
/// on worker threads, and commit their vectors and records in batches from one writer.
struct Indexer {
    let pack: ModelPack
    let store: IndexStore
    let options: IndexOptions

    /// Indexes `roots` (absolute, standardised paths of folders or files).
    func run(roots: [String], cancel: CancellationFlag?,
             events: (IndexEvent) -> Void) throws -> IndexSummary {
        let clock = Date()
        let lock = try store.lockForWriting()
        defer { withExtendedLifetime(lock) {} }
        let space = try store.space(matching: pack.space) ?? store.addSpace(pack.space)
        let writer = try store.segmentWriter(for: space)
        // Records that point past the end of the segment (a deleted or replaced vector file)
        // would otherwise count as unchanged, or later point at other files' vectors.
        _ = try store.catalog.markLostVectors(space: space.id, rowCount: writer.rowCount)
        var summary = IndexSummary()
        var progress = IndexProgress(phase: .scanning, found: 0, total: 0, done: 0, failed: 0,
                                     unchanged: 0, elapsed: 0)

        // Scan.
        let scanner = Scanner(extensions: pack.fileExtensions, excludedDirectories: [store.directory.path])
        var scanned: [String: ScannedFile] = [:]
        var unknown: [String] = []
        for root in roots {
            let base = scanned.count
            let result = scanner.scan(root: root, cancel: cancel) { found in
                progress.found = base + found
                events(.progress(progress))
            }
            for file in result.files { scanned[file.path] = file }
            unknown += result.unknown
            for problem in result.problems {
                summary.failures.append(IndexFailure(path: problem.path, reason: problem.reason))
                events(.failed(path: problem.path, reason: problem.reason))
            }
        }
        progress.found = scanned.count

        // Forget what is gone; keep what is unchanged; embed the rest.
        var known: [String: FileRecord] = [:]
        for root in roots {
            known.merge(try store.catalog.files(under: root, space: space.id)) { a, _ in a }
        }
        // A file of a type no encoder of this run reads (its plugin is not loaded now) was not
        // looked for, so it is gone only when it no longer exists.
        let gone = known.keys.filter { path in
            scanned[path] == nil && !unknown.contains { $0 == path || path.hasPrefix(FilePaths.descendantPrefix(of: $0)) }
                && (pack.encoder(forFile: path) != nil || (try? FileInfo.of(path).get()) == nil)
        }
        try store.catalog.remove(paths: gone, space: space.id)
        summary.removed = gone.count
        // A file is also embedded again when another encoder (or another version of its
        // encoder) reads it now; files recorded without a fingerprint are taken as current.
        let madeBy = try PluginCatalog.encoderFingerprints(under: roots, space: space.id, in: store.catalog)
        let todo = scanned.values.filter { file in
            guard let record = known[file.path] else { return true }
            let current = madeBy[file.path].map { $0 == pack.encoder(forFile: file.path)?.info.fingerprint } ?? true
            return !(record.status == .ok && record.size == file.size && record.mtimeNs == file.mtimeNs && current)
        }.sorted { $0.path < $1.path }
        summary.unchanged = scanned.count - todo.count
        progress.unchanged = summary.unchanged
        progress.total = todo.count
        progress.phase = .embedding
        events(.progress(progress))

        // Embed and write.
        let start = Date()
        var batch = CommitBatch()
        var lastCommit = Date()
        func commit() throws {
            let (indexed, _) = try batch.commit(to: writer, catalog: store.catalog, space: space.id)
            summary.indexed += indexed
            lastCommit = Date()
        }
        try EmbeddingWorkers.run(
            jobs(for: todo), threads: options.threads, dimension: space.dimension, cancel: cancel,
            tick: {
                if !batch.isEmpty, Date().timeIntervalSince(lastCommit) >= options.commitInterval {
                    try commit()
                }
                progress.elapsed = Date().timeIntervalSince(start)
                events(.progress(progress))
            },
            handle: { result in
                for (i, (file, vector)) in zip(result.files, result.vectors).enumerated() {
                    batch.add(file, modality: result.modality, vector: vector,
                              segments: i < result.segments.count ? result.segments[i] : [],
                              encoderFingerprint: result.encoderFingerprint)
                    if case .failure(let reason) = vector {
                        progress.failed += 1
                        summary.failures.append(IndexFailure(path: file.path, reason: reason.text))
                        events(.failed(path: file.path, reason: reason.text))
                    }
                }
                progress.done += result.files.count
                if batch.count >= options.commitEvery
                    || Date().timeIntervalSince(lastCommit) >= options.commitInterval {
                    try commit()
                }
                progress.elapsed = Date().timeIntervalSince(start)
                events(.progress(progress))
            })
        try commit()

        summary.failed = summary.failures.count
        summary.interrupted = cancel?.isCancelled == true
        summary.seconds = Date().timeIntervalSince(clock)
        return summary
    }

    /// Groups files by encoder and cuts them into batches, small enough that every thread
    /// gets work.
    private func jobs(for files: [ScannedFile]) -> [EmbeddingJob] {
        var byEncoder: [String: (encoder: any Encoder, files: [ScannedFile])] = [:]
        for file in files {
            guard let encoder = pack.encoder(forFile: file.path) else { continue }
            byEncoder[encoder.info.name, default: (encoder, [])].files.append(file)
        }
        let perThread = (files.count + options.threads - 1) / options.threads
        let size = max(1, min(options.batchSize, perThread))
        var jobs: [EmbeddingJob] = []
        for (_, group) in byEncoder.sorted(by: { $0.key < $1.key }) {
            for start in stride(from: 0, to: group.files.count, by: size) {
                let slice = Array(group.files[start..<min(start + size, group.files.count)])
                jobs.append(EmbeddingJob(encoder: group.encoder, files: slice))
            }
        }
        return jobs
    }
}

/// Outcomes waiting to be committed. Commit order is the crash-safety rule of the index:
/// vectors are appended and synced first, then one catalog transaction makes them visible.
struct CommitBatch {
    private var files: [(file: ScannedFile, modality: Modality, vector: Result<[Float], FailureReason>,
                         segments: [MediaSegment], encoderFingerprint: String?)] = []

    var count: Int { files.count }
    var isEmpty: Bool { files.isEmpty }

    mutating func add(_ file: ScannedFile, modality: Modality, vector: Result<[Float], FailureReason>,
                      segments: [MediaSegment] = [], encoderFingerprint: String? = nil) {
        files.append((file, modality, vector, segments, encoderFingerprint))
    }

    /// Writes the batch and empties it; returns how many files were stored and failed.
    mutating func commit(to writer: VectorSegmentWriter, catalog: Catalog,
                         space: Int64) throws -> (indexed: Int, failed: Int) {
        guard !files.isEmpty else { return (0, 0) }
        var vectors: [[Float]] = []
        for entry in files { if case .success(let vector) = entry.vector { vectors.append(vector) } }
        let rows = try writer.append(vectors)
        var nextRow = rows.lowerBound
        var outcomes: [FileOutcome] = []
        outcomes.reserveCapacity(files.count)
        for entry in files {
            let result: Result<Int64, FailureReason>
            switch entry.vector {
            case .success:
                result = .success(Int64(nextRow))
                nextRow += 1
            case .failure(let reason):
                result = .failure(reason)
            }
            outcomes.append(FileOutcome(path: entry.file.path, size: entry.file.size,
                                        mtimeNs: entry.file.mtimeNs, modality: entry.modality,
                                        result: result, encoderFingerprint: entry.encoderFingerprint,
                                        segments: entry.segments))
        }
        try catalog.record(outcomes, space: space)
        files.removeAll(keepingCapacity: true)
        return (vectors.count, outcomes.count - vectors.count)
    }
}
