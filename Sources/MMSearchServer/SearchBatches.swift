import Foundation
import MMSearchKit

/// Plain-text searches that arrive while others run are answered together: each batch embeds
/// its texts in one pass of the text encoder and scans the vectors once for all of them
/// (`Engine.search(_:in:)`), so a busy service reads the model's weights and the index's rows
/// once per batch instead of once per query. Each answer is the one the query gets alone.
///
/// One batch runs at a time, on `threads` cores (products split by output columns, the scan by
/// rows). A query that arrives meanwhile waits for the next batch, which takes every query
/// waiting, up to `largest`; before it starts, it waits up to `gather` for the clients the last
/// batch answered to send their next queries (an inference server's queue delay), so that a
/// steady load runs in full batches rather than alternating large and small ones.
///
/// Measured on 2 cores, 8 clients (`Scripts/bench/serve.sh`, before GELU was vectorised): one
/// batch on both cores gave 383 queries/s; two batches side by side on one core each, 280 (they
/// split the waiting queries unevenly and each reads the weights); one query at a time, 273.
/// The wait for the last batch's clients (with GELU vectorised): none 376 queries/s, 1 ms 372,
/// 2 ms 412 (p90 30 ms: batches alternate large and small), 4 ms 460 (p90 18.5 ms).
final class SearchBatches: Sendable {
    private struct Waiting {
        let search: TextSearch
        let engine: Engine
        let reader: IndexReader
        let continuation: CheckedContinuation<[SearchHit], Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var running = false
    }

    /// The state, under `condition`'s lock (the worker waits on it for a batch to fill).
    nonisolated(unsafe) private var state = State()
    private let condition = NSCondition()
    let threads: Int
    let largest: Int
    let gather: TimeInterval

    init(threads: Int, largest: Int = 32, gather: TimeInterval = 0.004) {
        self.threads = max(1, threads)
        self.largest = max(1, largest)
        self.gather = gather
    }

    /// The hits of `search` through `engine` and `reader`, run in the next batch.
    func search(_ search: TextSearch, engine: Engine, reader: IndexReader) async throws -> [SearchHit] {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            state.waiting.append(Waiting(search: search, engine: engine, reader: reader, continuation: continuation))
            let startWorker = !state.running
            state.running = true
            condition.signal()
            condition.unlock()
            if startWorker {
                DispatchQueue.global(qos: .userInitiated).async { self.drain() }
            }
        }
    }

    /// Runs batches until no query waits.
    private func drain() {
        var last = 0
        while let batch = next(after: last) {
            last = batch.count
            var engine = batch[0].engine
            engine.threads = threads
            let searches = batch.map { waiting in
                var options = waiting.search.options
                options.threads = threads
                return TextSearch(waiting.search.text, limit: waiting.search.limit, options: options)
            }
            let results = engine.search(searches, in: batch[0].reader)
            for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
        }
    }

    /// The next batch after one of `last` queries: the waiting queries of the first one's
    /// reader (the service's engine has one), oldest first, once the last batch's clients are
    /// back or `gather` has passed; nil, and the worker gone, when none waits.
    private func next(after last: Int) -> [Waiting]? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: gather)
        let expected = min(state.waiting.count + last, largest)
        while state.waiting.count < expected, condition.wait(until: deadline) {}
        guard let first = state.waiting.first else {
            state.running = false
            return nil
        }
        var batch: [Waiting] = []
        var kept: [Waiting] = []
        for waiting in state.waiting {
            if batch.count < largest, waiting.reader === first.reader {
                batch.append(waiting)
            } else {
                kept.append(waiting)
            }
        }
        state.waiting = kept
        return batch
    }
}
