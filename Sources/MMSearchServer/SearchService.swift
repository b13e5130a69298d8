import Foundation
import MMSearchKit

/// The engine kept warm: the model pack loaded once (in the background, so the service
/// answers `503 loading` meanwhile), one index reader kept open (it follows the index's
/// commits without mapping its vectors again), and blocking work run off the server's event
/// loops.
final class SearchService: Sendable {
    enum State: Sendable {
        case loading
        case ready(Engine)
        case failed(String)
    }

    private let state = Locked<State>(.loading)
    private let cachedReader = Locked<IndexReader?>(nil)
    let options: ServerOptions
    /// Plain-text searches, answered in batches.
    let batches: SearchBatches

    init(options: ServerOptions) {
        self.options = options
        batches = SearchBatches(threads: options.searchThreads)
    }

    /// Loads the pack on a thread of its own; `then` runs once it is ready.
    func load(_ make: @escaping @Sendable () throws -> Engine, then: @escaping @Sendable (Engine) -> Void) {
        Thread.detachNewThread { [self] in
            do {
                var engine = try make()
                engine.threads = options.threadsPerRequest
                state.withLock { $0 = .ready(engine) }
                then(engine)
            } catch {
                state.withLock { $0 = .failed(String(describing: error)) }
            }
        }
    }

    var current: State { state.withLock { $0 } }

    /// The engine, or the 503 (still loading) or 500 (failed to load) that says why not.
    func engine() throws -> Engine {
        switch current {
        case .ready(let engine): return engine
        case .loading: throw APIError.loading("the model pack is still loading")
        case .failed(let reason): throw APIError.internalError("the model pack failed to load: \(reason)")
        }
    }

    /// The reader of the pack's space, opened once. A missing index is 404 until a run makes one.
    func reader() throws -> IndexReader {
        let engine = try engine()
        return try cachedReader.withLock { reader in
            if let reader { return reader }
            let opened = try engine.reader()
            reader = opened
            return opened
        }
    }
}

/// Runs blocking work (embedding, scanning vectors, reading files) on a thread of the global
/// pool, so that the server's event loops keep answering.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try body() })
        }
    }
}
