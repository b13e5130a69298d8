#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file with POSIX calls, refusing it when it is larger than a limit.
///
/// The file is read rather than memory-mapped: a mapped file that another process truncates
/// while we decode it would kill us with SIGBUS, and a read costs little next to decoding.
enum FileBytes {
    static func load(path: String, name: String, maxBytes: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw MediaError.unreadable(name, "open", errno: errno)
        }
        defer { close(fd) }

        var info = stat()
        if fstat(fd, &info) != 0 {
            throw MediaError.unreadable(name, "stat", errno: errno)
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            throw MediaError(path: name, kind: .unreadable, reason: "is a directory, not a file")
        }
        let declared = type == S_IFREG ? Int(info.st_size) : 0
        if declared > maxBytes {
            throw MediaError.tooLarge(name, declared, maxBytes)
        }

        // Read until end of file, whatever the size said (the file may change under us), and
        // never more than one byte past the limit.
        var bytes = [UInt8](repeating: 0, count: min(declared, maxBytes) + 1)
        var used = 0
        while true {
            if used == bytes.count {
                if used > maxBytes {
                    throw MediaError.tooLarge(name, used, maxBytes)
                }
                let grown = min(max(bytes.count * 2, 1 << 16), maxBytes + 1)
                bytes.append(contentsOf: repeatElement(0, count: grown - bytes.count))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + used, buffer.count - used)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw MediaError.unreadable(name, "read", errno: errno)
            }
            if n == 0 { break }
            used += n
        }
        bytes.removeSubrange(used...)
        return bytes
    }
}
