import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends rows to a vector segment file and makes them durable.
///
/// Only one writer may use a segment at a time (the index's lock file guarantees it).
/// `append` returns only after the rows are on disk (fsync), so a catalog transaction that
/// refers to them can commit safely afterwards. Rows appended but never referenced by the
/// catalog (a crash in between) are harmless dead rows.
final class VectorSegmentWriter {
    let url: URL
    let header: VectorSegmentHeader
    private let fd: Int32
    /// Number of whole rows in the file.
    private(set) var rowCount: Int

    /// Opens `url` for appending, creating it with a fresh header when missing. A torn row left
    /// at the end by a crash is cut off so the next row starts on a row boundary.
    init(url: URL, dimension: Int, elementType: VectorElementType, fingerprint: String) throws {
        guard elementType == .f32 else {
            throw MMSearchError(.fatal, "vector file \(url.path): \(elementType) rows are not supported yet")
        }
        self.url = url
        let path = url.path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be opened: \(POSIX.lastError)")
        }
        self.fd = fd
        let wanted = VectorSegmentHeader(elementType: elementType, dimension: dimension,
                                         fingerprint: VectorSegmentHeader.storedFingerprint(fingerprint))
        do {
            guard let size = POSIX.size(fd) else {
                throw MMSearchError(.fatal, "vector file \(path) cannot be read: \(POSIX.lastError)")
            }
            if size == 0 {
                let bytes = wanted.encoded()
                let ok = bytes.withUnsafeBytes { POSIX.writeAll(fd, $0, at: 0) }
                guard ok, fsync(fd) == 0 else {
                    throw MMSearchError(.fatal, "vector file \(path) cannot be written: \(POSIX.lastError)")
                }
                POSIX.syncDirectory(url.deletingLastPathComponent().path)
                header = wanted
                rowCount = 0
            } else {
                let bytes = POSIX.read(fd, count: VectorSegmentHeader.size, at: 0) ?? []
                let found = try bytes.withUnsafeBytes { raw in
                    switch VectorSegmentHeader.decode(raw) {
                    case .success(let header): return header
                    case .failure(let error):
                        throw MMSearchError(.fatal, "vector file \(path) is damaged: \(error.reason)")
                    }
                }
                guard found.dimension == wanted.dimension, found.elementType == wanted.elementType,
                      found.fingerprint == wanted.fingerprint else {
                    throw MMSearchError(.fatal, "vector file \(path) holds \(found.dimension)-d "
                                        + "\(found.elementType) vectors of space \(found.fingerprint), "
                                        + "expected \(wanted.dimension)-d \(wanted.elementType) of \(wanted.fingerprint)")
                }
                header = found
                let rows = (size - VectorSegmentHeader.size) / found.rowStride
                let whole = VectorSegmentHeader.size + rows * found.rowStride
                if whole != size {
                    guard ftruncate(fd, off_t(whole)) == 0, fsync(fd) == 0 else {
                        throw MMSearchError(.fatal, "vector file \(path) cannot be repaired: \(POSIX.lastError)")
                    }
                }
                rowCount = rows
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Appends `vectors` (each `header.dimension` long) and syncs them to disk.
    /// Returns the row numbers they got.
    func append(_ vectors: [[Float]]) throws -> Range<Int> {
        let first = rowCount
        guard !vectors.isEmpty else { return first..<first }
        let dimension = header.dimension
        var flat = [Float]()
        flat.reserveCapacity(vectors.count * dimension)
        for vector in vectors {
            precondition(vector.count == dimension, "vector of \(vector.count) values in a \(dimension)-d segment")
            flat += vector
        }
        let offset = VectorSegmentHeader.size + first * header.rowStride
        let ok = flat.withUnsafeBytes { POSIX.writeAll(fd, $0, at: offset) }
        guard ok, fsync(fd) == 0 else {
            let reason = POSIX.lastError
            _ = ftruncate(fd, off_t(offset))
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be written: \(reason)")
        }
        rowCount += vectors.count
        return first..<rowCount
    }
}
