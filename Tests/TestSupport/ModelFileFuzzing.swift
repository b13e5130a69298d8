import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded, deterministic fuzz driver for model-file loaders: each case mutates a real or
/// fixture file (`JSONMutations`, `SafeTensorsMutations`) and loads it; the load must succeed or
/// throw, never trap and never hang.
///
/// A trap kills the test process, so the driver keeps the running case's description (run
/// name, seed, case number, mutation) where a signal handler can print it: when the process
/// dies of SIGILL (a Swift trap), SIGTRAP, SIGABRT, SIGSEGV, SIGBUS or SIGFPE, stderr says which
/// case it was, and the run is repeated with `MMSEARCH_FUZZ_SEED` and the case number. A case
/// that runs longer than `MMSEARCH_FUZZ_CASE_SECONDS` (60) is printed the same way and the
/// process aborted: a hang is a failure that says where it is. Nothing is printed for cases that
/// pass.
///
/// `MMSEARCH_FUZZ_SEED` (default `defaultSeed`) changes every case; `MMSEARCH_FUZZ_SCALE`
/// multiplies the case counts for a longer campaign.
public enum ModelFileFuzzing {
    public static let defaultSeed: UInt64 = 0x6D6D_7365_6172_6368  // "mmsearch"

    public static var seed: UInt64 {
        ProcessInfo.processInfo.environment["MMSEARCH_FUZZ_SEED"].flatMap { UInt64($0, radix: 16) ?? UInt64($0) }
            ?? defaultSeed
    }

    /// `n` times `MMSEARCH_FUZZ_SCALE` (1 unless set).
    public static func cases(_ n: Int) -> Int {
        n * max(1, ProcessInfo.processInfo.environment["MMSEARCH_FUZZ_SCALE"].flatMap { Int($0) } ?? 1)
    }

    static var caseSeconds: Double {
        ProcessInfo.processInfo.environment["MMSEARCH_FUZZ_CASE_SECONDS"].flatMap { Double($0) } ?? 60
    }

    /// What a run found.
    public struct Report: CustomStringConvertible, Sendable {
        public let name: String
        public var cases = 0
        /// Cases that loaded.
        public var loaded = 0
        /// Refusals by file and reason (digits folded), with their counts.
        public var refusals: [String: Int] = [:]
        /// Cases whose error was not a `WeightsError` (so names no file): "case 12 (mutation): error".
        public var unnamed: [String] = []
        public var seconds = 0.0
        public var slowest = (seconds: 0.0, what: "")

        /// What the run found wrong: cases whose error was not a named refusal, no case that
        /// loaded (unless `someMustLoad` is false), no case refused (the mutations never reached
        /// the checks). Empty when the run passed.
        public func problems(someMustLoad: Bool = true) -> [String] {
            var problems = unnamed.prefix(5).map { "not a named refusal: \($0)" }
            if someMustLoad && loaded == 0 { problems.append("no case loaded: the seeds or the loader are broken") }
            if loaded == cases { problems.append("every case loaded: the mutations never reached the checks") }
            return problems
        }

        public var description: String {
            let top = refusals.sorted { $0.value > $1.value }.prefix(6).map { "    \($0.value)× \($0.key)" }
            return "\(name): \(cases) cases in \(String(format: "%.1f", seconds)) s, \(loaded) loaded, "
                + "\(cases - loaded) refused with \(refusals.count) distinct reasons; slowest "
                + "\(String(format: "%.3f", slowest.seconds)) s (\(slowest.what.prefix(100)))\n"
                + top.joined(separator: "\n")
        }
    }

    /// Runs `cases` cases: `make` draws case `i`'s input with its own generator and says what it
    /// did; `load` loads it. A thrown `Named` error (MMTensor's `WeightsError`: it names the
    /// file) is a refusal, any other error is listed in `unnamed`; a trap or a hang stops the
    /// process with the case on stderr.
    public static func run<Input, Named: Error & CustomStringConvertible>(
        _ name: String, cases: Int, seed: UInt64 = seed, refusals: Named.Type,
        make: (inout SeededRandom) throws -> (what: String, input: Input),
        load: (Input) throws -> Void
    ) rethrows -> Report {
        let slot = CaseNotes.shared.claim()
        defer { CaseNotes.shared.release(slot) }
        var report = Report(name: name)
        let start = Date()
        for i in 0..<cases {
            var rng = SeededRandom(seed: seed, case: i)
            let (what, input) = try make(&rng)
            let label = "\(name), MMSEARCH_FUZZ_SEED=\(String(seed, radix: 16)) case \(i): \(what)"
            CaseNotes.shared.set(slot, label)
            let caseStart = Date()
            do {
                try load(input)
                report.loaded += 1
            } catch let error as Named {
                report.refusals[Self.fold(error.description), default: 0] += 1
            } catch {
                report.unnamed.append("case \(i) (\(what)): \(type(of: error)): \(error)")
            }
            let seconds = Date().timeIntervalSince(caseStart)
            if seconds > report.slowest.seconds { report.slowest = (seconds, "case \(i): \(what)") }
            report.cases += 1
        }
        report.seconds = Date().timeIntervalSince(start)
        print(report)
        return report
    }

    /// The reason with numbers folded to `#` and cut, so that refusals group.
    static func fold(_ text: String) -> String {
        var out = ""
        var lastWasDigit = false
        for c in text.prefix(110) {
            if c.isNumber {
                if !lastWasDigit { out.append("#") }
                lastWasDigit = true
            } else {
                out.append(c)
                lastWasDigit = false
            }
        }
        return out
    }
}

/// The descriptions of the fuzz cases running now, kept in memory a signal handler can read
/// without allocating, and a watchdog that stops a case that hangs.
final class CaseNotes: @unchecked Sendable {
    static let shared = CaseNotes()

    static let slotCount = 16, slotBytes = 1024
    /// Guarded by `lock` for writers; the signal handler reads without it (it may be
    /// interrupting a writer: at worst it prints a half-written line).
    private let text = UnsafeMutablePointer<UInt8>.allocate(capacity: slotCount * slotBytes)
    private let lengths = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
    private var used = [Bool](repeating: false, count: slotCount)
    private var started = [Date?](repeating: nil, count: slotCount)
    private let lock = NSLock()
    /// The handlers that were installed before ours, restored when ours has run.
    fileprivate let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: CaseNotes.signals.count)
    fileprivate static let signals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE]

    private init() {
        lengths.initialize(repeating: 0, count: Self.slotCount)
        for (i, signal) in Self.signals.enumerated() {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = caseNotesSignalHandler
            #else
            action.__sigaction_u.__sa_handler = caseNotesSignalHandler
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, previous + i)
        }
        let watchdog = Thread { [unowned self] in self.watch() }
        watchdog.name = "fuzz watchdog"
        watchdog.start()
    }

    func claim() -> Int {
        lock.withLock {
            let slot = used.firstIndex(of: false) ?? Self.slotCount - 1
            used[slot] = true
            return slot
        }
    }

    func release(_ slot: Int) {
        lock.withLock {
            lengths[slot] = 0
            started[slot] = nil
            used[slot] = false
        }
    }

    func set(_ slot: Int, _ label: String) {
        let line = Array("fuzz case running: \(label)".utf8.prefix(Self.slotBytes - 1)) + [0x0A]
        lock.withLock {
            lengths[slot] = 0
            line.withUnsafeBufferPointer { (text + slot * Self.slotBytes).update(from: $0.baseAddress!, count: $0.count) }
            lengths[slot] = line.count
            started[slot] = Date()
        }
    }

    /// Writes every running case to stderr: async-signal-safe (`write` only).
    fileprivate func dump() {
        for slot in 0..<Self.slotCount where lengths[slot] > 0 {
            _ = write(2, text + slot * Self.slotBytes, lengths[slot])
        }
    }

    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: 1)
            let limit = ModelFileFuzzing.caseSeconds
            let stuck = lock.withLock { started.contains { $0.map { Date().timeIntervalSince($0) > limit } ?? false } }
            if stuck {
                let message = Array("fuzz case ran longer than \(limit) s (MMSEARCH_FUZZ_CASE_SECONDS): a hang\n".utf8)
                _ = message.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
                abort()
            }
        }
    }
}

/// Prints the running fuzz cases, restores the handlers that were there before and returns: the
/// faulting instruction runs again (or `abort` goes on) under them, so the process dies as it
/// would have, with its usual report, after saying which case killed it.
private func caseNotesSignalHandler(_ signal: Int32) {
    let notes = CaseNotes.shared
    notes.dump()
    for (i, s) in CaseNotes.signals.enumerated() { sigaction(s, notes.previous + i, nil) }
}
