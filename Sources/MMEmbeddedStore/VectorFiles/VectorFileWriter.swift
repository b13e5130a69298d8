import MMSearchKit
import CVectorKernels
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends rows to a vector file and makes them durable.
///
/// Only one writer may use a vector file at a time (the index's lock file guarantees it).
/// `append` returns only after the rows are on disk (fsync), so a catalog transaction that
/// refers to them can commit safely afterwards. Rows appended but never referenced by the
/// catalog (a crash in between) are harmless dead rows.
final class VectorFileWriter {
    let url: URL
    let header: VectorFileHeader
    private let fd: Int32
    /// Number of whole rows in the file.
    private(set) var rowCount: Int

    var dimension: Int { header.dimension }
    var elementType: VectorElementType { header.elementType }

    /// Opens `url` for appending, creating it with a fresh header when missing. A torn row left
    /// at the end by a crash is cut off so the next row starts on a row boundary.
    init(url: URL, dimension: Int, elementType: VectorElementType, fingerprint: String) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be opened: \(POSIX.lastError)")
        }
        self.fd = fd
        let wanted = VectorFileHeader(elementType: elementType, dimension: dimension,
                                         fingerprint: VectorFileHeader.storedFingerprint(fingerprint))
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
                let bytes = POSIX.read(fd, count: VectorFileHeader.size, at: 0) ?? []
                let found = try bytes.withUnsafeBytes { raw in
                    switch VectorFileHeader.decode(raw) {
                    case .success(let header): return header
                    case .failure(let error): throw error.error(path: path)
                    }
                }
                guard found.dimension == wanted.dimension, found.elementType == wanted.elementType,
                      found.fingerprint == wanted.fingerprint else {
                    throw MMSearchError(.fatal, "vector file \(path) holds \(found.dimension)-d "
                                        + "\(found.elementType) vectors of space \(found.fingerprint), "
                                        + "expected \(wanted.dimension)-d \(wanted.elementType) of \(wanted.fingerprint)",
                                        reason: .indexDamaged)
                }
                header = found
                rowCount = (size - VectorFileHeader.size) / found.rowStride
                if VectorFileHeader.size + rowCount * found.rowStride != size {
                    try truncate(toRows: rowCount)
                }
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Appends `vectors` (each `dimension` long) and syncs them to disk.
    /// Returns the row numbers they got.
    func append(_ vectors: [[Float]]) throws -> Range<Int> {
        let rows = try write(encoded(vectors), count: vectors.count)
        try sync()
        return rows
    }

    /// `vectors` in this file's row format, back to back.
    func encoded(_ vectors: [[Float]]) -> [UInt8] {
        let d = dimension
        let stride = header.rowStride
        var bytes = [UInt8](repeating: 0, count: vectors.count * stride)
        bytes.withUnsafeMutableBytes { out in
            for (i, vector) in vectors.enumerated() {
                precondition(vector.count == d, "vector of \(vector.count) values in a \(d)-d vector file")
                let row = out.baseAddress! + i * stride
                vector.withUnsafeBufferPointer { v in
                    switch elementType {
                    case .f32:
                        row.copyMemory(from: v.baseAddress!, byteCount: d * 4)
                    case .f16:
                        mms_f32_to_f16(v.baseAddress!, row.assumingMemoryBound(to: UInt16.self), d)
                    case .int8:
                        let scale = Quantizer.quantize(v, into: row.assumingMemoryBound(to: Int8.self))
                        row.storeBytes(of: scale, toByteOffset: d, as: Float.self)
                    }
                }
            }
        }
        return bytes
    }

    /// Writes `count` rows already in this file's format after the last row, without
    /// syncing. Returns the row numbers they got. On failure nothing of them stays.
    func write(_ rows: [UInt8], count: Int) throws -> Range<Int> {
        precondition(rows.count == count * header.rowStride, "\(rows.count) bytes for \(count) rows")
        let first = rowCount
        guard count > 0 else { return first..<first }
        let offset = VectorFileHeader.size + first * header.rowStride
        let ok = rows.withUnsafeBytes { POSIX.writeAll(fd, $0, at: offset) }
        guard ok else {
            let reason = POSIX.lastError
            _ = ftruncate(fd, off_t(offset))
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be written: \(reason)")
        }
        rowCount += count
        return first..<rowCount
    }

    /// Flushes every written row to disk.
    func sync() throws {
        guard fsync(fd) == 0 else {
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be written: \(POSIX.lastError)")
        }
    }

    /// The raw bytes of `rows` (each `rowStride` long), read back from the file.
    func read(_ rows: Range<Int>) throws -> [UInt8] {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows \(rows) of \(rowCount)")
        let stride = header.rowStride
        let bytes = POSIX.read(fd, count: rows.count * stride, at: VectorFileHeader.size + rows.lowerBound * stride)
        guard let bytes, bytes.count == rows.count * stride else {
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be read: \(POSIX.lastError)")
        }
        return bytes
    }

    /// Cuts the file after `rows` rows and syncs it.
    func truncate(toRows rows: Int) throws {
        precondition(rows >= 0 && rows <= rowCount, "truncating \(rowCount) rows to \(rows)")
        guard ftruncate(fd, off_t(VectorFileHeader.size + rows * header.rowStride)) == 0, fsync(fd) == 0 else {
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be repaired: \(POSIX.lastError)")
        }
        rowCount = rows
    }
}
