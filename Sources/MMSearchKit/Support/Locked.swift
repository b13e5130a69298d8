import Foundation

/// A value shared between threads, guarded by a lock. Every access goes through `withLock`.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A flag that another thread (a signal handler, a UI) sets to ask long work to stop early.
/// Work already committed stays committed.
public final class CancellationFlag: Sendable {
    private let state = Locked(false)

    public init() {}

    /// Asks the work to stop at its next check point.
    public func cancel() { state.withLock { $0 = true } }

    public var isCancelled: Bool { state.withLock { $0 } }
}
