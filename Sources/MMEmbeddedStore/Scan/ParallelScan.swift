import MMSearchKit
import Dispatch

/// Runs a scan over parts of a row range on several threads at once.
enum ParallelScan {
    /// Splits `rows` into at most `threads` contiguous parts of at least `minimumRows` rows and
    /// runs `body` on each at once; results in row order.
    static func map<T: Sendable>(_ rows: Range<Int>, threads: Int, minimumRows: Int,
                                 _ body: @Sendable (Range<Int>) -> T) -> [T] {
        let parts = max(1, min(threads, rows.count / max(1, minimumRows)))
        if parts == 1 { return [body(rows)] }
        let results = Locked([T?](repeating: nil, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lower = rows.lowerBound + rows.count * part / parts
            let upper = rows.lowerBound + rows.count * (part + 1) / parts
            let result = body(lower..<upper)
            results.withLock { $0[part] = result }
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}
