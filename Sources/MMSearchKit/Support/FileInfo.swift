import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a path (symbolic links followed).
package struct FileInfo: Sendable {
    package enum Kind: Sendable, Equatable {
        case regular, directory
        /// Anything else, named: "a FIFO", "a socket", "a character device", "a block device".
        case special(String)
    }

    /// Identity of the underlying file: equal for two names of the same directory.
    package struct Identity: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64
    }

    package let kind: Kind
    package let size: Int64
    package let mtimeNs: Int64
    package let identity: Identity

    /// `stat(2)` of `path`; on failure the reason (`strerror`).
    package static func of(_ path: String) -> Result<FileInfo, FailureReason> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(FailureReason(POSIX.lastError)) }
        return .success(FileInfo(info))
    }

    /// `fstat(2)` of an open file; on failure the reason (`strerror`).
    package static func of(descriptor: Int32) -> Result<FileInfo, FailureReason> {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(FailureReason(POSIX.lastError)) }
        return .success(FileInfo(info))
    }

    private init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFIFO: kind = .special("a FIFO")
        case S_IFSOCK: kind = .special("a socket")
        case S_IFCHR: kind = .special("a character device")
        case S_IFBLK: kind = .special("a block device")
        default: kind = .special("a special file")
        }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        mtimeNs = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        size = Int64(info.st_size)
        identity = Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
