import MMSearchKit
import CVectorKernels
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, memory-mapped view of a vector file (f32, f16 or int8 rows).
///
/// Opening reads only the 64-byte header and maps the rest: the kernel pages rows in as a
/// search touches them, so opening a million-vector file costs the same as an empty one.
/// Rows appended after opening are not visible; open again to see them.
final class MappedVectorFile: @unchecked Sendable {
    /// How a search will read the rows, passed on to the kernel (`madvise`).
    enum Access: Sendable {
        /// Front to back (an exact scan): the kernel reads ahead.
        case sequential
        /// A few rows here and there (rescoring): no read-ahead, and only the touched pages
        /// are mapped, so resident memory grows by what is read, not by its neighbourhood.
        case random
    }

    // Immutable after init; the mapping is private to this object and read-only.
    let url: URL
    let header: VectorFileHeader
    /// Number of whole rows visible in this mapping.
    let rowCount: Int
    private let mapping: UnsafeMutableRawPointer
    private let length: Int
    /// Kept open to read single rows without mapping them (see `read(row:into:)`).
    private let fd: Int32

    var dimension: Int { header.dimension }
    var elementType: VectorElementType { header.elementType }
    /// Bytes from one row to the next.
    var rowStride: Int { header.rowStride }

    /// Maps the vector file at `url`; a missing, short or foreign file is an error naming it.
    /// With `assuming`, the header is not read: the rows are laid out as it says (how `check`
    /// and `repair` read a file whose header is damaged).
    init(url: URL, access: Access = .sequential, assuming assumed: VectorFileHeader? = nil) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be opened: \(POSIX.lastError)")
        }
        var mapped = false
        defer { if !mapped { close(fd) } }
        guard let size = POSIX.size(fd) else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be read: \(POSIX.lastError)")
        }
        if let assumed {
            header = assumed
        } else {
            let headerBytes = POSIX.read(fd, count: VectorFileHeader.size, at: 0) ?? []
            header = try headerBytes.withUnsafeBytes { raw in
                switch VectorFileHeader.decode(raw) {
                case .success(let header): return header
                case .failure(let error): throw error.error(path: path)
                }
            }
        }
        guard size >= VectorFileHeader.size else {
            throw MMSearchError(.fatal, "vector file \(path) is damaged: it is \(size) bytes, shorter than "
                                + "the \(VectorFileHeader.size)-byte header", reason: .indexDamaged)
        }
        rowCount = (size - VectorFileHeader.size) / header.rowStride
        length = size
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be mapped: \(POSIX.lastError)")
        }
        mapping = base
        self.fd = fd
        mapped = true
        _ = madvise(base, size, access == .random ? MADV_RANDOM : MADV_SEQUENTIAL)
    }

    deinit {
        munmap(mapping, length)
        close(fd)
    }

    /// Copies row `index` (`rowStride` bytes) into `buffer` with `pread`, so that reading a
    /// few scattered rows (rescoring) does not map them: a mapped read faults in 64 KiB
    /// around each row, and over many queries the whole file would become resident.
    /// Falls back to the mapping if the read fails.
    func read(row index: Int, into buffer: UnsafeMutableRawPointer) {
        precondition(index >= 0 && index < rowCount, "row \(index) of \(rowCount)")
        let stride = header.rowStride
        let offset = VectorFileHeader.size + index * stride
        var done = 0
        while done < stride {
            let n = pread(fd, buffer + done, stride - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        if done < stride { buffer.copyMemory(from: row(index), byteCount: stride) }
    }

    /// The first byte of row `index` (`0 ≤ index ≤ rowCount`). Valid while this object lives.
    func row(_ index: Int) -> UnsafeRawPointer {
        precondition(index >= 0 && index <= rowCount, "row \(index) of \(rowCount)")
        return UnsafeRawPointer(mapping) + VectorFileHeader.size + index * header.rowStride
    }

    /// Row `index` as f32 values (decoded from f16; int8 rows as codes × scale).
    func vector(at index: Int) -> [Float]? {
        guard index >= 0, index < rowCount else { return nil }
        let d = header.dimension
        let start = row(index)
        switch header.elementType {
        case .f32:
            return Array(UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: d))
        case .f16:
            var out = [Float](repeating: 0, count: d)
            out.withUnsafeMutableBufferPointer {
                mms_f16_to_f32(start.assumingMemoryBound(to: UInt16.self), $0.baseAddress!, d)
            }
            return out
        case .int8:
            let scale = start.loadUnaligned(fromByteOffset: d, as: Float.self)
            let codes = start.assumingMemoryBound(to: Int8.self)
            return (0..<d).map { Float(codes[$0]) * scale }
        }
    }
}
