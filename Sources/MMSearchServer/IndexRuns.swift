import Foundation
import MMSearchKit

/// The service's index runs: one at a time, on a thread of their own, over the served roots
/// (`POST /api/v1/index`) or the folders where files changed (live folders). Requests that come
/// while a run is going are merged and run next. Everything a run says goes to every
/// subscriber of `GET /api/v1/index/events`.
final class IndexRuns: Sendable {
    enum Event: Sendable {
        case state(running: Bool, progress: ProgressDocument?)
        case progress(ProgressDocument)
        case failed(path: String, reason: String)
        case done(RunSummaryDocument)
        /// The run could not start or stopped (another process holds the index's writer lock).
        case error(String)
    }

    private struct State {
        var running = false
        var progress: ProgressDocument?
        /// Roots waiting for the next run; nil when none.
        var pending: Set<String>?
        var subscribers: [UUID: AsyncStream<Event>.Continuation] = [:]
        var closed = false
    }

    private let state = Locked(State())
    private let cancel = CancellationFlag()
    private let engine: @Sendable () throws -> Engine
    private let options: IndexOptions
    private let finished: @Sendable (IndexSummary) -> Void
    private let idle = DispatchGroup()

    /// `engine` gives the warm engine; `finished` gets what each run that ended did.
    init(options: IndexOptions, engine: @escaping @Sendable () throws -> Engine,
         finished: @escaping @Sendable (IndexSummary) -> Void) {
        self.options = options
        self.engine = engine
        self.finished = finished
    }

    var isRunning: Bool { state.withLock { $0.running } }
    var progress: ProgressDocument? { state.withLock { $0.progress } }

    /// Asks for a run over `roots`. With `exclusive`, refuses (returns false) when a run is
    /// going; otherwise merges the roots into the next run.
    @discardableResult
    func request(roots: [String], exclusive: Bool = false) -> Bool {
        guard !roots.isEmpty else { return false }
        let start: Bool = state.withLock { state in
            if state.closed || (exclusive && (state.running || state.pending != nil)) { return false }
            state.pending = (state.pending ?? []).union(roots)
            if state.running { return false }
            state.running = true
            return true
        }
        if start {
            idle.enter()
            Thread.detachNewThread { [self] in
                loop()
                idle.leave()
            }
            return true
        }
        return !exclusive
    }

    /// Events from now on, beginning with the current state.
    func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(512))
        let id = UUID()
        let closed: Bool = state.withLock { state in
            continuation.yield(.state(running: state.running, progress: state.progress))
            if !state.closed { state.subscribers[id] = continuation }
            return state.closed
        }
        if closed { continuation.finish() }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Stops: the run going stops at its next check point (what it committed stays), event
    /// streams end, and this returns once no run is going.
    func close() {
        cancel.cancel()
        let subscribers = state.withLock { state in
            state.closed = true
            state.pending = nil
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
        idle.wait()
    }

    private func broadcast(_ event: Event) {
        for subscriber in state.withLock({ Array($0.subscribers.values) }) { subscriber.yield(event) }
    }

    private func loop() {
        while let roots = state.withLock({ state -> Set<String>? in
            let roots = state.pending
            state.pending = nil
            if roots == nil || state.closed {
                state.running = false
                state.progress = nil
            }
            return state.closed ? nil : roots
        }) {
            run(Array(roots).sorted())
        }
        broadcast(.state(running: false, progress: nil))
    }

    private func run(_ roots: [String]) {
        var lastProgress = Date.distantPast
        do {
            let engine = try self.engine()
            let summary = try engine.index(roots: roots.map { URL(fileURLWithPath: $0) }, options: options,
                                           cancel: cancel) { [self] event in
                switch event {
                case .progress(let progress):
                    let document = ProgressDocument(progress)
                    state.withLock { $0.progress = document }
                    // At most ten progress events a second: enough for a bar.
                    let now = Date()
                    if now.timeIntervalSince(lastProgress) >= 0.1 || progress.done == progress.total {
                        lastProgress = now
                        broadcast(.progress(document))
                    }
                case .failed(let path, let reason):
                    broadcast(.failed(path: path, reason: reason))
                }
            }
            broadcast(.done(RunSummaryDocument(summary)))
            finished(summary)
        } catch {
            broadcast(.error(String(describing: error)))
        }
    }
}
