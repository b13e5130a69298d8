import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, memory-mapped view of a vector segment file.
///
/// Opening reads only the 64-byte header and maps the rest: the kernel pages rows in as a
/// search touches them, so opening a million-vector segment costs the same as an empty one.
/// Rows appended after opening are not visible; open again to see them.
public final class MappedVectorSegment: @unchecked Sendable {
    // Immutable after init; the mapping is private to this object and read-only.
    public let url: URL
    let header: VectorSegmentHeader
    /// Number of whole rows visible in this mapping.
    public let rowCount: Int
    private let base: UnsafeMutableRawPointer?
    private let length: Int

    public var dimension: Int { header.dimension }
    public var elementType: VectorElementType { header.elementType }

    /// Maps the segment at `url`; a missing, short or foreign file is an error naming it.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be opened: \(POSIX.lastError)")
        }
        defer { close(fd) }
        guard let size = POSIX.size(fd) else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be read: \(POSIX.lastError)")
        }
        let headerBytes = POSIX.read(fd, count: VectorSegmentHeader.size, at: 0) ?? []
        header = try headerBytes.withUnsafeBytes { raw in
            switch VectorSegmentHeader.decode(raw) {
            case .success(let header): return header
            case .failure(let error):
                throw MMSearchError(.fatal, "vector file \(path) is damaged: \(error.reason)")
            }
        }
        guard header.elementType == .f32 else {
            throw MMSearchError(.fatal, "vector file \(path): \(header.elementType) rows are not supported yet")
        }
        rowCount = (size - VectorSegmentHeader.size) / header.rowStride
        length = size
        let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw MMSearchError(.fatal, "vector file \(path) cannot be mapped: \(POSIX.lastError)")
        }
        base = mapped
    }

    deinit {
        if let base { munmap(base, length) }
    }

    /// The rows as one contiguous block of `rowCount * dimension` floats.
    /// Valid as long as this object is alive.
    var rows: UnsafeBufferPointer<Float> {
        guard let base, rowCount > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        let start = (base + VectorSegmentHeader.size).assumingMemoryBound(to: Float.self)
        return UnsafeBufferPointer(start: start, count: rowCount * header.dimension)
    }

    /// A copy of row `index`.
    public func vector(at index: Int) -> [Float]? {
        guard index >= 0, index < rowCount else { return nil }
        let d = header.dimension
        return Array(rows[(index * d)..<((index + 1) * d)])
    }
}
