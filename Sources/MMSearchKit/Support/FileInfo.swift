import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a path (symbolic links followed).
struct FileInfo: Sendable {
    enum Kind: Sendable { case regular, directory, other }

    /// Identity of the underlying file: equal for two names of the same directory.
    struct Identity: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64
    }

    let kind: Kind
    let size: Int64
    let mtimeNs: Int64
    let identity: Identity

    /// `stat(2)` of `path`; on failure the reason (`strerror`).
    static func of(_ path: String) -> Result<FileInfo, FailureReason> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(FailureReason(POSIX.lastError)) }
        let type = info.st_mode & S_IFMT
        let kind: Kind = type == S_IFREG ? .regular : type == S_IFDIR ? .directory : .other
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        let mtime = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        return .success(FileInfo(kind: kind, size: Int64(info.st_size), mtimeNs: mtime,
                                 identity: Identity(device: UInt64(info.st_dev),
                                                    inode: UInt64(info.st_ino))))
    }
}
