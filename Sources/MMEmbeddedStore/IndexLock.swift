import MMSearchKit
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on an index directory, held while one process writes to it.
/// Readers do not take it: they may query while an index run is going on.
final class IndexLock {
    private let fd: Int32

    /// Takes the lock or fails at once (never waits) with a message naming the directory.
    init(directory: URL) throws {
        let path = directory.appendingPathComponent("lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "index \(directory.path) cannot be locked: \(POSIX.lastError)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = POSIX.lastError
            close(fd)
            throw busy
                ? MMSearchError(.fatal, "index \(directory.path) is being written by another mmsearch process: "
                                + "wait for it to finish", reason: .indexLocked)
                : MMSearchError(.fatal, "index \(directory.path) cannot be locked: \(reason)")
        }
        self.fd = fd
    }

    deinit {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
