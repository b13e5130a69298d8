import Dispatch
import Foundation
import MMTensor

/// Runs `body` for every index below `count` on up to `threads` threads, thread t taking
/// indices t, t + threads, … — balanced even when later indices cost less (the pairs of row i
/// with the rows after it). Results come back per index, in order.
enum StridedParallel {
    static func map<T: Sendable>(count: Int, threads: Int = Cores.available,
                                 _ body: @Sendable (Int) -> T) -> [T] {
        let workers = max(1, min(threads, count))
        if workers == 1 { return (0..<count).map(body) }
        let results = Locked([[(Int, T)]](repeating: [], count: workers))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var mine: [(Int, T)] = []
            for i in stride(from: worker, to: count, by: workers) { mine.append((i, body(i))) }
            results.withLock { $0[worker] = mine }
        }
        var out = [T?](repeating: nil, count: count)
        for part in results.withLock({ $0 }) { for (i, value) in part { out[i] = value } }
        return out.compactMap { $0 }
    }
}
