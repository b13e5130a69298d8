#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one audio file, read on demand: an open descriptor (never read whole, never
/// memory-mapped: a file truncated by another process while mapped would kill us with
/// SIGBUS) or a private copy of bytes held in memory.
///
/// The size is taken once, when the source is made; reads past it return nothing.
final class AudioSource {
    enum Storage {
        case descriptor(Int32)
        case memory(UnsafeMutableRawBufferPointer)
    }

    let storage: Storage
    /// The file as the caller named it, for error messages.
    let name: String
    let size: Int

    /// Opens a file, refusing a directory, an empty file and one above `maxBytes`.
    init(path: String, name: String, maxBytes: Int) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw MediaError.unreadable(name, "open", errno: errno)
        }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let code = errno
            close(fd)
            throw MediaError.unreadable(name, "stat", errno: code)
        }
        let type = info.st_mode & S_IFMT
        if type != S_IFREG {
            close(fd)
            let what = type == S_IFDIR ? "is a directory, not a file" : "is not a regular file"
            throw MediaError(path: name, kind: .unreadable, reason: what)
        }
        let size = Int(info.st_size)
        if size > maxBytes {
            close(fd)
            throw MediaError.tooLarge(name, size, maxBytes)
        }
        if size == 0 {
            close(fd)
            throw MediaError(path: name, kind: .emptyFile, reason: "empty file (0 bytes)")
        }
        self.storage = .descriptor(fd)
        self.name = name
        self.size = size
    }

    /// Copies `bytes`, refusing empty data and data above `maxBytes`.
    init(bytes: [UInt8], name: String, maxBytes: Int) throws {
        if bytes.isEmpty {
            throw MediaError(path: name, kind: .emptyFile, reason: "empty file (0 bytes)")
        }
        if bytes.count > maxBytes {
            throw MediaError.tooLarge(name, bytes.count, maxBytes)
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        copy.copyBytes(from: bytes)
        self.storage = .memory(copy)
        self.name = name
        self.size = bytes.count
    }

    deinit {
        switch storage {
        case .descriptor(let fd): close(fd)
        case .memory(let buffer): buffer.deallocate()
        }
    }

    /// Up to `count` bytes at `offset`: fewer at the end of the file, none past it.
    func read(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, offset < size, count > 0 else { return [] }
        let wanted = min(count, size - offset)
        switch storage {
        case .memory(let buffer):
            return Array(buffer[offset..<offset + wanted])
        case .descriptor(let fd):
            var bytes = [UInt8](repeating: 0, count: wanted)
            var done = 0
            while done < wanted {
                let n = bytes.withUnsafeMutableBytes { out in
                    pread(fd, out.baseAddress! + done, wanted - done, off_t(offset + done))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MediaError.unreadable(name, "read", errno: errno)
                }
                if n == 0 { break }
                done += n
            }
            bytes.removeSubrange(done...)
            return bytes
        }
    }
}
