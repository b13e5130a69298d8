import Foundation

/// Runs jobs on a fixed number of threads and hands every output to the calling thread, which
/// alone touches the caller's state (the writer, progress, events).
package enum WorkerPool {
    private enum Message<Output: Sendable>: Sendable {
        case output(Int, Output)
        case finished
    }

    /// Runs `work` on each of `jobs` on `threads` threads; calls `handle` on the calling thread
    /// with each job's index and output (in completion order), and `tick` about every
    /// `tickInterval` seconds while waiting. Stops handing out jobs once `cancel` is set or
    /// `handle` or `tick` throws; jobs already started finish, and the error is rethrown.
    package static func run<Job: Sendable, Output: Sendable>(
        _ jobs: [Job], threads: Int, cancel: CancellationFlag?, tickInterval: TimeInterval = 0.25,
        work: @escaping @Sendable (Job) -> Output, tick: () throws -> Void = {},
        handle: (Int, Output) throws -> Void
    ) throws {
        guard !jobs.isEmpty else { return }
        let channel = Channel<Message<Output>>()
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
                    channel.send(.output(index, work(jobs[index])))
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
            case .output(let index, let output):
                // After a failure keep draining, so no worker is left behind.
                guard failure == nil else { continue }
                do { try handle(index, output) } catch {
                    failure = error
                    next.withLock { $0 = jobs.count }  // hand out no more jobs
                }
            }
        }
        if let failure { throw failure }
    }
}
