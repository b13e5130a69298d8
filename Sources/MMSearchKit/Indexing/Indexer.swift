import Foundation

/// One index run: scan the roots; hash new and changed files so that moved, renamed and copied
/// ones keep (or copy) their vectors; forget files that are gone; embed the rest on worker
/// threads; commit vectors and records in batches from one writer.
///
/// An unchanged file costs one `stat`: it is neither read nor hashed.
struct Indexer {
    let pack: ModelPack
    let store: IndexStore
    let options: IndexOptions

    /// Indexes `roots` (absolute, standardised paths of folders or files).
    func run(roots: [String], cancel: CancellationFlag?,
             events: (IndexEvent) -> Void) throws -> IndexSummary {
        try withoutActuallyEscaping(events) { events in
            try run(roots: roots, cancel: cancel, state: RunState(events: events))
        }
    }

    private func run(roots: [String], cancel: CancellationFlag?, state: RunState) throws -> IndexSummary {
        var run = state
        let clock = Date()
        let lock = try store.lockForWriting()
        defer { withExtendedLifetime(lock) {} }
        let space = try store.space(matching: pack.space) ?? store.addSpace(pack.space, storage: options.storage)
        let writer = try store.segmentWriter(for: space)
        // Rows a crash left uncommitted become tombstones; files whose vectors were lost
        // (a deleted or replaced vector file) are marked failed and embedded again.
        _ = try store.catalog.reconcile(space: space.id, segmentRows: writer.rowCount)
        let routing = EncoderRouting(pack: pack)

        // Scan.
        let scanner = Scanner(extensions: routing.extensions,
                              excludedDirectories: [store.directory.path] + options.excludedPaths,
                              excludedNames: options.excludedNames, includeHidden: options.includeHidden)
        var scanned: [String: ScannedFile] = [:]
        var unknown: [String] = []
        for root in roots {
            let base = scanned.count
            let result = scanner.scan(root: root, cancel: cancel) { found in
                run.progress.found = base + found
                run.report()
            }
            for file in result.files { scanned[file.path] = file }
            unknown += result.unknown
            for problem in result.problems { run.fail(problem.path, problem.reason) }
        }
        run.progress.found = scanned.count

        // Unchanged files (same size and modification time) are done; the rest are hashed.
        var known: [String: FileRecord] = [:]
        for root in roots {
            known.merge(try store.catalog.files(under: root, space: space.id)) { a, _ in a }
        }
        let gone = known.values.filter { record in
            scanned[record.path] == nil && !unknown.contains {
                $0 == record.path || record.path.hasPrefix(FilePaths.descendantPrefix(of: $0))
            }
        }
        let candidates = scanned.values.filter { file in
            guard let record = known[file.path] else { return true }
            return !(record.status == .ok && record.size == file.size && record.mtimeNs == file.mtimeNs)
        }.sorted { $0.path < $1.path }
        run.summary.unchanged = scanned.count - candidates.count
        run.progress.unchanged = run.summary.unchanged
        let (hashed, unreadable) = try hash(candidates, routing: routing, cancel: cancel, run: &run)
        try store.catalog.record(unreadable, space: space.id, rowCount: writer.rowCount)

        // Reuse what can be reused, forget what is gone, then embed the rest.
        var batch = CommitBatch()
        var planner = ReusePlanner(known: known, gone: gone) { hash, size, modality in
            try store.catalog.reusable(hash: hash, size: size, modality: modality, space: space.id)
        }
        var toEmbed: [ScannedFile] = []
        var later: [(file: HashedFile, source: String)] = []
        for file in hashed {
            switch try planner.plan(file) {
            case .touch(let record):
                try store.catalog.touch(record.id, size: file.file.size, mtimeNs: file.file.mtimeNs)
                run.summary.unchanged += 1
            case .move(let record):
                try store.catalog.move(record.id, to: file.file.path, size: file.file.size,
                                       mtimeNs: file.file.mtimeNs, space: space.id)
                run.summary.reused += 1
            case .copy(let record):
                try copy(record, to: file, writer: writer, space: space.id)
                run.summary.reused += 1
            case .copyLater(let path):
                later.append((file, path))
            case .embed:
                toEmbed.append(file.file)
            }
        }
        let removed = planner.unmoved.map(\.path)
        try store.catalog.remove(paths: removed, space: space.id)
        run.summary.removed = removed.count
        run.progress.unchanged = run.summary.unchanged

        try embed(toEmbed, routing: routing, hashes: Dictionary(hashed.map { ($0.file.path, $0.hash) },
                                                                uniquingKeysWith: { a, _ in a }),
                  writer: writer, space: space, cancel: cancel, run: &run, batch: &batch)

        // Copies of files embedded above, now that their vectors are stored.
        for (file, source) in later where cancel?.isCancelled != true {
            guard let record = try store.catalog.file(path: source, space: space.id) else { continue }
            if record.status == .ok {
                try copy(record, to: file, writer: writer, space: space.id)
                run.summary.reused += 1
            } else {
                let reason = record.error ?? "failed"
                try store.catalog.record([FileOutcome(path: file.file.path, size: file.file.size,
                                                      mtimeNs: file.file.mtimeNs, modality: file.modality,
                                                      contentHash: file.hash, result: .failure(FailureReason(reason)))],
                                         space: space.id, rowCount: writer.rowCount)
                run.fail(file.file.path, reason)
            }
        }

        run.summary.failed = run.summary.failures.count
        run.summary.interrupted = cancel?.isCancelled == true
        run.summary.seconds = Date().timeIntervalSince(clock)
        return run.summary
    }

    // MARK: Phases

    /// Hashes `files` on worker threads. Files no encoder reads are skipped; unreadable ones
    /// are reported and returned as failures.
    private func hash(_ files: [ScannedFile], routing: EncoderRouting, cancel: CancellationFlag?,
                      run: inout RunState) throws -> ([HashedFile], [FileOutcome]) {
        let routed = files.compactMap { file in routing.route(file.path).map { (file, $0.encoder.info.modality) } }
        run.begin(.hashing, total: routed.count)
        var hashed: [HashedFile] = []
        var failures: [FileOutcome] = []
        let jobs = stride(from: 0, to: routed.count, by: 32).map { Array(routed[$0..<min($0 + 32, routed.count)]) }
        try WorkerPool.run(jobs, threads: options.threads, cancel: cancel,
                           work: { job in job.map { ContentHash.ofFile($0.0.path) } },
                           tick: { run.tick() },
                           handle: { index, results in
            for ((file, modality), result) in zip(jobs[index], results) {
                switch result {
                case .success(let (hash, _)):
                    hashed.append(HashedFile(file: file, hash: hash, modality: modality))
                case .failure(let reason):
                    failures.append(FileOutcome(path: file.path, size: file.size, mtimeNs: file.mtimeNs,
                                                modality: modality, contentHash: nil, result: .failure(reason)))
                    run.progress.failed += 1
                    run.fail(file.path, reason.text)
                }
            }
            run.progress.done += results.count
            run.tick()
        })
        return (hashed.sorted { $0.file.path < $1.file.path }, failures)
    }

    /// Embeds `files` on worker threads, committing in batches.
    private func embed(_ files: [ScannedFile], routing: EncoderRouting, hashes: [String: UInt64],
                       writer: SpaceSegmentWriter, space: SpaceRecord, cancel: CancellationFlag?,
                       run: inout RunState, batch: inout CommitBatch) throws {
        run.begin(.embedding, total: files.count)
        var lastCommit = Date()
        func commit() throws {
            run.summary.indexed += try batch.commit(to: writer, catalog: store.catalog, space: space.id)
            lastCommit = Date()
        }
        try EmbeddingWorkers.run(
            jobs(for: files, routing: routing), threads: options.threads, dimension: space.dimension,
            cancel: cancel,
            tick: {
                if !batch.isEmpty, Date().timeIntervalSince(lastCommit) >= options.commitInterval {
                    try commit()
                }
                run.tick()
            },
            handle: { result in
                for (file, outcome) in zip(result.files, result.results) {
                    batch.add(file, modality: result.modality, hash: hashes[file.path], outcome: outcome)
                    if case .failure(let reason) = outcome {
                        run.progress.failed += 1
                        run.fail(file.path, reason.text)
                    }
                }
                run.progress.done += result.files.count
                if batch.count >= options.commitEvery
                    || Date().timeIntervalSince(lastCommit) >= options.commitInterval {
                    try commit()
                }
                run.tick()
            })
        try commit()
    }

    /// Stores `file` with copies of the vectors (and chunks) of `record`, which has the same
    /// content.
    private func copy(_ record: FileRecord, to file: HashedFile, writer: SpaceSegmentWriter, space: Int64) throws {
        var rows = 0..<0
        if let first = record.vectorRow, record.vectorCount > 0 {
            rows = try writer.appendCopies(of: Int(first)..<(Int(first) + record.vectorCount))
        }
        let chunks = try store.catalog.chunks(fileID: record.id)
        try store.catalog.record([FileOutcome(path: file.file.path, size: file.file.size, mtimeNs: file.file.mtimeNs,
                                              modality: record.modality, contentHash: file.hash,
                                              result: .success(StoredRows(rows: rows, chunks: chunks)))],
                                 space: space, rowCount: writer.rowCount)
    }

    /// Groups files by route and cuts them into batches, small enough that every thread gets
    /// work.
    private func jobs(for files: [ScannedFile], routing: EncoderRouting) -> [EmbeddingJob] {
        var byEncoder: [String: (route: EncoderRouting.Route, files: [ScannedFile])] = [:]
        for file in files {
            guard let route = routing.route(file.path) else { continue }
            let key = route.encoder.info.name + (route.isDocument ? "/documents" : "")
            byEncoder[key, default: (route, [])].files.append(file)
        }
        let perThread = (files.count + options.threads - 1) / options.threads
        let size = max(1, min(options.batchSize, perThread))
        var jobs: [EmbeddingJob] = []
        for (_, group) in byEncoder.sorted(by: { $0.key < $1.key }) {
            for start in stride(from: 0, to: group.files.count, by: size) {
                let slice = Array(group.files[start..<min(start + size, group.files.count)])
                jobs.append(EmbeddingJob(route: group.route, files: slice))
            }
        }
        return jobs
    }
}

/// The progress, summary and events of one run, in one place.
private struct RunState {
    let events: (IndexEvent) -> Void
    var summary = IndexSummary()
    var progress = IndexProgress(phase: .scanning, found: 0, total: 0, done: 0, failed: 0,
                                 unchanged: 0, elapsed: 0)
    private var phaseStart = Date()

    init(events: @escaping (IndexEvent) -> Void) { self.events = events }

    mutating func begin(_ phase: IndexProgress.Phase, total: Int) {
        progress.phase = phase
        progress.total = total
        progress.done = 0
        progress.elapsed = 0
        phaseStart = Date()
        report()
    }

    mutating func tick() {
        progress.elapsed = Date().timeIntervalSince(phaseStart)
        report()
    }

    func report() { events(.progress(progress)) }

    mutating func fail(_ path: String, _ reason: String) {
        summary.failures.append(IndexFailure(path: path, reason: reason))
        events(.failed(path: path, reason: reason))
    }
}
