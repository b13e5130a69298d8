import Foundation

/// One index run: scan the roots; hash new and changed files so that moved, renamed and copied
/// ones keep (or copy) their vectors; forget files that are gone; embed the rest on worker
/// threads; commit vectors and records in batches from one writer.
///
/// An unchanged file costs one `stat`: it is neither read nor hashed.
struct Indexer {
    let pack: ModelPack
    /// The space's writer: holds the index's writer lock for the run.
    let writer: any SpaceWriter
    /// Folders the scan never enters (the store's own).
    let excluded: [String]
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
        let routing = EncoderRouting(pack: pack, imageText: try ImageTextReader.make(options, pack: pack))
        // The next run (and `stats`) reads the precision this one embeds at.
        try writer.record(.precision(of: pack.name), pack.precision.rawValue)

        // Scan.
        let scanner = Scanner(extensions: routing.extensions,
                              excludedDirectories: excluded + options.excludedPaths,
                              excludedNames: options.excludedNames, includeHidden: options.includeHidden)
        var scanned: [String: ScannedFile] = [:]
        var unknown: [String] = []
        var problems: [(path: String, reason: String)] = []
        for root in roots {
            let base = scanned.count
            let result = scanner.scan(root: root, cancel: cancel) { found in
                run.progress.found = base + found
                run.report()
            }
            for file in result.files { scanned[file.path] = file }
            unknown += result.unknown
            for problem in result.problems {
                run.fail(problem.path, problem.reason)
                // A root the user named is told, not recorded: a mistyped one would stay.
                if !roots.contains(problem.path) { problems.append(problem) }
            }
        }
        run.progress.found = scanned.count

        // Unchanged files (same size and modification time, recorded well after that time) are
        // done; the rest are hashed.
        let known = try writer.files(under: roots)
        // A file of a type no encoder of this run reads (its plugin is not loaded now) was not
        // looked for, so it is gone only when it no longer exists. A failure the scan does not
        // report again (a special file, a bad name, a dangling link since mended) is gone.
        let reported = Set(problems.map(\.path))
        let gone = known.values.filter { record in
            scanned[record.path] == nil && !reported.contains(record.path) && !unknown.contains {
                FilePaths.isSameOrInside(record.path, $0)
            } && (routing.route(record.path) != nil || (try? FileInfo.of(record.path).get()) == nil
                  || record.status == .failed)
        }
        // What the scan could not index is recorded, so `stats --failures` lists it.
        try writer.commit(problems.map { problem in
            IndexedFile(file: ScannedFile(path: problem.path, size: 0, mtimeNs: 0),
                        modality: routing.route(problem.path)?.encoder.info.modality ?? Self.unknownModality,
                        contentHash: nil, encoderFingerprint: nil, outcome: .failure(FailureReason(problem.reason)))
        })
        // A file is also embedded again when another encoder (or another version of its
        // encoder) reads it now; files recorded without a fingerprint are taken as current.
        let madeBy = try writer.encoderFingerprints(under: roots)
        let candidates = scanned.values.filter { file in
            guard let record = known[file.path] else { return true }
            let current = madeBy[file.path].map { $0 == routing.route(file.path)?.encoder.info.fingerprint } ?? true
            return !(record.status == .ok && record.size == file.size && record.mtimeNs == file.mtimeNs && current
                     && !Self.isRacy(record))
        }.sorted { $0.path < $1.path }
        run.summary.unchanged = scanned.count - candidates.count
        run.progress.unchanged = run.summary.unchanged
        let (hashed, unreadable) = try hash(candidates, routing: routing, cancel: cancel, run: &run)
        try writer.commit(unreadable)
        // Stopped while hashing: a moved file may not have been hashed yet, so nothing is
        // removed (its old record would go) and nothing is embedded.
        if cancel?.isCancelled == true { return run.finish(started: clock, cancel: cancel) }

        // Decide for every hashed file first, then act in a few transactions: copies (while
        // every source record still has its chunks), touches, moves, removals.
        var planner = ReusePlanner(known: known, gone: gone, fingerprints: madeBy) { hash, size, modality, encoder in
            try writer.reusable(hash: hash, size: size, modality: modality, encoder: encoder)
        }
        var copies: [FileCopy] = []
        var touches: [(record: FileRecord, file: ScannedFile)] = []
        var moves: [(record: FileRecord, file: ScannedFile)] = []
        var toEmbed: [ScannedFile] = []
        var later: [(file: HashedFile, source: String)] = []
        for file in hashed {
            switch try planner.plan(file) {
            case .touch(let record): touches.append((record, file.file))
            case .move(let record): moves.append((record, file.file))
            case .copy(let record): copies.append(file.copy(of: record))
            case .copyLater(let path): later.append((file, path))
            case .embed: toEmbed.append(file.file)
            }
        }
        try writer.copy(copies)
        try writer.touch(touches.map { ($0.record.id, $0.file) })
        try writer.move(moves.map { ($0.record.id, $0.file) })
        let removed = planner.unmoved.map(\.path)
        try writer.remove(paths: removed)
        run.summary.unchanged += touches.count
        run.summary.reused += moves.count + copies.count
        run.summary.removed = removed.count
        run.progress.unchanged = run.summary.unchanged

        let hashes = Dictionary(hashed.map { ($0.file.path, $0.hash) }, uniquingKeysWith: { a, _ in a })
        try embed(toEmbed, routing: routing, hashes: hashes, cancel: cancel, run: &run)

        // Copies of files embedded above, now that their vectors are stored. A copy never
        // inherits a failure (it may not be about the bytes: a plugin disabled for the run, a
        // limit): the copies of a file that failed are embedded themselves.
        if cancel?.isCancelled != true {
            var sources: [FileCopy] = []
            var retry: [ScannedFile] = []
            for (file, path) in later {
                guard let record = try writer.file(path: path) else { continue }
                if record.status == .ok {
                    sources.append(file.copy(of: record))
                } else {
                    retry.append(file.file)
                }
            }
            try writer.copy(sources)
            run.summary.reused += sources.count
            if !retry.isEmpty {
                try embed(retry, routing: routing, hashes: hashes, cancel: cancel, run: &run)
            }
            try readPhotoDetails(under: roots, cancel: cancel, run: &run)
            try writer.finish()
        }

        return run.finish(started: clock, cancel: cancel)
    }

    /// Reads the EXIF of images indexed before the store kept photo details (their vectors
    /// stay), so that dates, cameras and places filter every photo after one run.
    private func readPhotoDetails(under roots: [String], cancel: CancellationFlag?, run: inout RunState) throws {
        let images = try writer.imagesWithoutPhotoDetails(under: roots)
        guard !images.isEmpty else { return }
        run.begin(.photoDetails, total: images.count)
        let jobs = stride(from: 0, to: images.count, by: 64).map { Array(images[$0..<min($0 + 64, images.count)]) }
        try WorkerPool.run(jobs, threads: options.threads, cancel: cancel,
                           work: { job in job.map { PhotoMetadata.read(contentsOf: URL(fileURLWithPath: $0.path)) } },
                           tick: { run.tick() },
                           handle: { index, photos in
            for (image, photo) in zip(jobs[index], photos) { run.notePhoto(image.path, photo) }
            try writer.recordPhotoDetails(zip(jobs[index], photos).map { ($0.id, $1.stored) })
            run.progress.done += photos.count
            run.tick()
        })
    }

    /// How long before its record was written a file's modification time must lie for its
    /// size and time alone to vouch for its content. A file written again within the same tick
    /// of the file system's clock (2 s on FAT and exFAT, milliseconds on ext4) after it was read
    /// keeps its size and time; as git does with "racily clean" entries, such a file is hashed
    /// on the next run instead of trusted, and its record, rewritten then, vouches for it after.
    /// Wider than the tick: a record is written when its batch commits, seconds after the read.
    static let racyWindow: TimeInterval = 10

    /// The modality recorded for an entry the scan could not read and no encoder claims (a
    /// special file, a folder it could not enter).
    static let unknownModality = Modality("unknown")

    /// Whether `record`'s size and modification time could hide a change (see `racyWindow`).
    static func isRacy(_ record: FileRecord) -> Bool {
        Double(record.mtimeNs) / 1e9 > record.indexedAt - racyWindow
    }

    // MARK: Phases

    /// Hashes `files` on worker threads. Files no encoder reads are skipped; unreadable ones
    /// are reported and returned as failures.
    private func hash(_ files: [ScannedFile], routing: EncoderRouting, cancel: CancellationFlag?,
                      run: inout RunState) throws -> ([HashedFile], [IndexedFile]) {
        let routed = files.compactMap { file in routing.route(file.path).map { (file, $0.encoder.info) } }
        run.begin(.hashing, total: routed.count)
        var hashed: [HashedFile] = []
        var failures: [IndexedFile] = []
        let jobs = stride(from: 0, to: routed.count, by: 32).map { Array(routed[$0..<min($0 + 32, routed.count)]) }
        try WorkerPool.run(jobs, threads: options.threads, cancel: cancel,
                           work: { job in job.map { ContentHash.ofFile($0.0.path) } },
                           tick: { run.tick() },
                           handle: { index, results in
            for ((file, encoder), result) in zip(jobs[index], results) {
                switch result {
                case .success(let (hash, _)):
                    hashed.append(HashedFile(file: file, hash: hash, modality: encoder.modality,
                                             encoder: encoder.fingerprint))
                case .failure(let reason):
                    failures.append(IndexedFile(file: file, modality: encoder.modality, contentHash: nil,
                                                encoderFingerprint: nil, outcome: .failure(reason)))
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
    private func embed(_ candidates: [ScannedFile], routing: EncoderRouting, hashes: [String: UInt64],
                       cancel: CancellationFlag?, run: inout RunState) throws {
        // On a store shared by several indexers, each file is embedded by one of them.
        let files = try writer.claim(candidates)
        run.summary.elsewhere += candidates.count - files.count
        try routing.prepare(files)
        run.begin(.embedding, total: files.count)
        var batch: [IndexedFile] = []
        var lastCommit = Date()
        // Vectors and records are committed together, in batches (`SpaceWriter.commit`).
        func commit() throws {
            guard !batch.isEmpty else { return }
            try writer.commit(batch)
            run.summary.indexed += batch.filter { if case .success = $0.outcome { true } else { false } }.count
            batch.removeAll(keepingCapacity: true)
            lastCommit = Date()
        }
        let chunks = ChunkProgress()
        run.chunks = chunks
        defer { run.chunks = nil }
        try EmbeddingWorkers.run(
            jobs(for: files, routing: routing), threads: options.threads,
            context: EmbeddingContext(dimension: writer.space.dimension, textBudget: options.textBudget, chunks: chunks),
            cancel: cancel,
            tick: {
                if !batch.isEmpty, Date().timeIntervalSince(lastCommit) >= options.commitInterval {
                    try commit()
                }
                run.tick()
            },
            handle: { result in
                for ((file, outcome), photo) in zip(zip(result.files, result.results), result.photos) {
                    batch.append(IndexedFile(file: file, modality: result.modality, contentHash: hashes[file.path],
                                             encoderFingerprint: result.encoderFingerprint, outcome: outcome,
                                             photo: photo?.stored))
                    if let photo { run.notePhoto(file.path, photo) }
                    switch outcome {
                    case .failure(let reason):
                        run.progress.failed += 1
                        run.fail(file.path, reason.text)
                    case .success(let embedded):
                        if let note = embedded.note { run.summary.notes.append(IndexNote(path: file.path, note: note)) }
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
    /// The chunks of long text files being embedded, while embedding.
    var chunks: ChunkProgress?

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
        if let current = chunks?.current {
            (progress.chunksDone, progress.chunksTotal) = (current.done, current.total)
        }
        report()
    }

    func report() { events(.progress(progress)) }

    /// The summary of a run that began at `started`.
    mutating func finish(started: Date, cancel: CancellationFlag?) -> IndexSummary {
        summary.failed = summary.failures.count
        summary.interrupted = cancel?.isCancelled == true
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// Tells what a photo's EXIF held that could not be used (never a failure: the photo is
    /// indexed without it).
    mutating func notePhoto(_ path: String, _ photo: PhotoMetadata) {
        for note in photo.notes {
            summary.photoNotes.append(IndexFailure(path: path, reason: "EXIF " + note + "; ignored"))
        }
    }

    mutating func fail(_ path: String, _ reason: String) {
        summary.failures.append(IndexFailure(path: path, reason: reason))
        events(.failed(path: path, reason: reason))
    }
}
