import MMSearchKit
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tag file of a vector file (`<vector file>.tags`): one byte per row, the row's modality code
/// (see `Catalog.modalityCodes`; 0 = unknown), so that a search for one modality skips the
/// others without reading the catalog. No header: the row count is the file size, and a
/// crash cannot tear a one-byte row.
final class RowTagWriter {
    let url: URL
    private let fd: Int32
    private(set) var rowCount: Int

    init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "tag file \(url.path) cannot be opened: \(POSIX.lastError)")
        }
        guard let size = POSIX.size(fd) else {
            close(fd)
            throw MMSearchError(.fatal, "tag file \(url.path) cannot be read: \(POSIX.lastError)")
        }
        rowCount = size
    }

    deinit { close(fd) }

    /// Writes tags after the last row, without syncing.
    func write(_ tags: [UInt8]) throws {
        guard !tags.isEmpty else { return }
        let ok = tags.withUnsafeBytes { POSIX.writeAll(fd, $0, at: rowCount) }
        guard ok else {
            let reason = POSIX.lastError
            _ = ftruncate(fd, off_t(rowCount))
            throw MMSearchError(.fatal, "tag file \(url.path) cannot be written: \(reason)")
        }
        rowCount += tags.count
    }

    func sync() throws {
        guard fsync(fd) == 0 else {
            throw MMSearchError(.fatal, "tag file \(url.path) cannot be written: \(POSIX.lastError)")
        }
    }

    func read(_ rows: Range<Int>) throws -> [UInt8] {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows \(rows) of \(rowCount)")
        guard let bytes = POSIX.read(fd, count: rows.count, at: rows.lowerBound), bytes.count == rows.count else {
            throw MMSearchError(.fatal, "tag file \(url.path) cannot be read: \(POSIX.lastError)")
        }
        return bytes
    }

    func truncate(toRows rows: Int) throws {
        guard ftruncate(fd, off_t(rows)) == 0, fsync(fd) == 0 else {
            throw MMSearchError(.fatal, "tag file \(url.path) cannot be repaired: \(POSIX.lastError)")
        }
        rowCount = rows
    }
}

/// A tag file mapped for reading; rows past its end read as 0 (unknown).
final class MappedRowTags: @unchecked Sendable {
    // Immutable after init; the mapping is private and read-only.
    let rowCount: Int
    private let mapping: UnsafeMutableRawPointer?

    init(url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "tag file \(url.path) cannot be opened: \(POSIX.lastError)")
        }
        defer { close(fd) }
        let size = POSIX.size(fd) ?? 0
        rowCount = size
        if size > 0, let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED {
            mapping = base
        } else {
            mapping = nil
        }
    }

    deinit { if let mapping { munmap(mapping, rowCount) } }

    @inline(__always)
    subscript(row: Int) -> UInt8 {
        guard let mapping, row >= 0, row < rowCount else { return 0 }
        return mapping.load(fromByteOffset: row, as: UInt8.self)
    }
}
