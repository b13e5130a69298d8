import MMSearchKit
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checksums of one block of rows of a master vector file: the CRC-32C of each row's
/// stored bytes.
struct RowChecksum: Sendable, Equatable {
    let rows: Range<Int>
    /// One per row of `rows`, in order.
    let crcs: [UInt32]

    /// The checksum of row `row` (in `rows`).
    func crc(ofRow row: Int) -> UInt32 { crcs[row - rows.lowerBound] }
}

/// The checksum file of a master vector file (`<vector file>.sums`): for each block of at most
/// `blockRows` rows, one record with the CRC-32C of every row's bytes, so that `check` tells
/// exactly which rows changed on disk, and `repair` has only their files embedded again.
///
/// Layout (little-endian): a 32-byte header — magic `MMSSUMS\0`, version (u32, 1), header size
/// (u32, 32), record size (u32, 80), rows per block (u32, 16), zero (u32), CRC-32C of the 28
/// bytes before it (u32) — then records of 80 bytes: first row (u64), row count (u32, at most
/// 16), the CRC-32C of the record's other 76 bytes (u32), then 16 row checksums (u32; zero past
/// the row count). Each record names its rows, so rows without one (written before checksums
/// existed) are simply unchecked, and a damaged record costs only its own rows' checks. 5 bytes
/// per row: 0.3 % of 384-d f32 vectors.
///
/// Appended with the rows, synced with them before the catalog transaction that makes them
/// visible (`SpaceVectorFiles`), like the tag file: after a crash, a torn record and records
/// for rows the vector file lost are cut when the next writer opens; records for rows that were
/// never committed are harmless (those rows are dead). Blocks are aligned to multiples of
/// `blockRows` within one append.
final class RowChecksumFile {
    static let magic: [UInt8] = Array("MMSSUMS".utf8) + [0]
    static let headerSize = 32
    static let version: UInt32 = 1
    static let blockRows = 16
    static let entrySize = 16 + 4 * blockRows

    /// What a checksum file holds, as `check` reads it.
    struct Contents {
        /// Records whose own checksum holds, in file order.
        var entries: [RowChecksum] = []
        /// Records whose own checksum fails.
        var damagedEntries = 0
        /// Why the header cannot be read; then no record is.
        var headerProblem: String?
    }

    let url: URL
    private let fd: Int32
    private(set) var contents: Contents
    /// Entries in the file (sound and damaged).
    private var entryCount: Int

    /// Opens the checksum file at `url` for appending, creating it when missing. A file whose
    /// header is damaged is an error (`repair` rewrites it); a torn last entry is cut.
    init(url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "checksum file \(url.path) cannot be opened: \(POSIX.lastError)")
        }
        do {
            guard let size = POSIX.size(fd) else {
                throw MMSearchError(.fatal, "checksum file \(url.path) cannot be read: \(POSIX.lastError)")
            }
            if size == 0 {
                let header = Self.header()
                guard header.withUnsafeBytes({ POSIX.writeAll(fd, $0, at: 0) }), fsync(fd) == 0 else {
                    throw MMSearchError(.fatal, "checksum file \(url.path) cannot be written: \(POSIX.lastError)")
                }
                POSIX.syncDirectory(url.deletingLastPathComponent().path)
                contents = Contents()
                entryCount = 0
            } else {
                guard let bytes = POSIX.read(fd, count: size, at: 0) else {
                    throw MMSearchError(.fatal, "checksum file \(url.path) cannot be read: \(POSIX.lastError)")
                }
                contents = Self.parse(bytes)
                if let problem = contents.headerProblem {
                    throw MMSearchError(.fatal, "checksum file \(url.path) is damaged: \(problem)", reason: .indexDamaged)
                }
                entryCount = (size - Self.headerSize) / Self.entrySize
                if Self.headerSize + entryCount * Self.entrySize != size {
                    guard ftruncate(fd, off_t(Self.headerSize + entryCount * Self.entrySize)) == 0, fsync(fd) == 0 else {
                        throw MMSearchError(.fatal, "checksum file \(url.path) cannot be repaired: \(POSIX.lastError)")
                    }
                }
            }
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Reads the checksum file at `url` without changing it; nil when there is none.
    static func read(_ url: URL) -> Contents? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return parse([UInt8](data))
    }

    /// Appends the checksums of `count` rows of `stride` bytes each, starting at row `first`,
    /// from their bytes; without syncing.
    func append(rows bytes: [UInt8], first: Int, count: Int, stride: Int) throws {
        let sums = Self.checksums(of: bytes, first: first, count: count, stride: stride)
        guard !sums.isEmpty else { return }
        var out: [UInt8] = []
        out.reserveCapacity(sums.count * Self.entrySize)
        for sum in sums { out += Self.encode(sum) }
        let offset = Self.headerSize + entryCount * Self.entrySize
        guard out.withUnsafeBytes({ POSIX.writeAll(fd, $0, at: offset) }) else {
            let reason = POSIX.lastError
            _ = ftruncate(fd, off_t(offset))
            throw MMSearchError(.fatal, "checksum file \(url.path) cannot be written: \(reason)")
        }
        entryCount += sums.count
        contents.entries += sums
    }

    func sync() throws {
        guard fsync(fd) == 0 else {
            throw MMSearchError(.fatal, "checksum file \(url.path) cannot be written: \(POSIX.lastError)")
        }
    }

    /// Cuts the entries from the first one that reaches past `rows` (rows a crash or a loss
    /// took from the vector file), and syncs.
    func cut(toRows rows: Int) throws {
        guard let first = firstEntry(reachingPast: rows) else { return }
        guard ftruncate(fd, off_t(Self.headerSize + first * Self.entrySize)) == 0, fsync(fd) == 0 else {
            throw MMSearchError(.fatal, "checksum file \(url.path) cannot be repaired: \(POSIX.lastError)")
        }
        entryCount = first
        let bytes = POSIX.read(fd, count: first * Self.entrySize + Self.headerSize, at: 0) ?? []
        contents = Self.parse(bytes)
    }

    /// Drops the entries that reach past `rows` (an append that failed), without syncing.
    func forget(after rows: Int) {
        guard let first = firstEntry(reachingPast: rows) else { return }
        _ = ftruncate(fd, off_t(Self.headerSize + first * Self.entrySize))
        entryCount = first
        contents.entries.removeAll { $0.rows.upperBound > rows }
    }

    /// The index in the file of the first entry whose rows reach past `rows`.
    private func firstEntry(reachingPast rows: Int) -> Int? {
        guard let bytes = POSIX.read(fd, count: entryCount * Self.entrySize, at: Self.headerSize) else { return nil }
        for i in 0..<(bytes.count / Self.entrySize) {
            // A damaged entry checks nothing: it stays where it is.
            guard let sum = Self.decode(bytes, at: i * Self.entrySize) else { continue }
            if sum.rows.upperBound > rows { return i }
        }
        return nil
    }

    /// Writes a complete checksum file for `sums` at `url` (through a temporary file renamed
    /// into place, synced).
    static func write(_ sums: [RowChecksum], to url: URL) throws {
        var bytes = header()
        for sum in sums { bytes += encode(sum) }
        try AtomicFile.write(bytes, to: url, what: "checksum file")
    }

    // MARK: Encoding

    /// Checksums of `count` rows starting at row `first`, in blocks aligned to `blockRows`.
    static func checksums(of bytes: [UInt8], first: Int, count: Int, stride: Int) -> [RowChecksum] {
        precondition(bytes.count == count * stride, "\(bytes.count) bytes for \(count) rows of \(stride)")
        var sums: [RowChecksum] = []
        var row = first
        bytes.withUnsafeBytes { raw in
            while row < first + count {
                let end = min(first + count, (row / blockRows + 1) * blockRows)
                let crcs = (row..<end).map { r in
                    CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[((r - first) * stride)..<((r - first + 1) * stride)]))
                }
                sums.append(RowChecksum(rows: row..<end, crcs: crcs))
                row = end
            }
        }
        return sums
    }

    static func header() -> [UInt8] {
        var bytes = magic
        for value in [version, UInt32(headerSize), UInt32(entrySize), UInt32(blockRows), 0] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        withUnsafeBytes(of: CRC32C.checksum(bytes).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    private static func encode(_ sum: RowChecksum) -> [UInt8] {
        precondition(sum.crcs.count == sum.rows.count && sum.rows.count <= blockRows, "a block of \(sum.rows.count) rows")
        var bytes = [UInt8](repeating: 0, count: entrySize)
        bytes.withUnsafeMutableBytes { out in
            out.storeBytes(of: UInt64(sum.rows.lowerBound).littleEndian, toByteOffset: 0, as: UInt64.self)
            out.storeBytes(of: UInt32(sum.rows.count).littleEndian, toByteOffset: 8, as: UInt32.self)
            for (i, crc) in sum.crcs.enumerated() {
                out.storeBytes(of: crc.littleEndian, toByteOffset: 16 + 4 * i, as: UInt32.self)
            }
        }
        let own = recordChecksum(bytes, at: 0)
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: own.littleEndian, toByteOffset: 12, as: UInt32.self) }
        return bytes
    }

    /// The CRC-32C of the record at `offset` without its own checksum field.
    private static func recordChecksum(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            let head = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 12)])
            let tail = UnsafeRawBufferPointer(rebasing: raw[(offset + 16)..<(offset + entrySize)])
            return CRC32C.update(CRC32C.checksum(head), tail)
        }
    }

    /// The record at `offset` of `bytes`; nil when its own checksum fails.
    private static func decode(_ bytes: [UInt8], at offset: Int) -> RowChecksum? {
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)) }
        guard recordChecksum(bytes, at: offset) == stored else { return nil }
        return bytes.withUnsafeBytes { raw in
            let first = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)))
            guard first < UInt64(Int.max / 2), count <= blockRows else { return nil }
            let crcs = (0..<count).map {
                UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16 + 4 * $0, as: UInt32.self))
            }
            return RowChecksum(rows: Int(first)..<(Int(first) + count), crcs: crcs)
        }
    }

    private static func parse(_ bytes: [UInt8]) -> Contents {
        var contents = Contents()
        guard bytes.count >= headerSize else {
            contents.headerProblem = "it is \(bytes.count) bytes, shorter than the \(headerSize)-byte header"
            return contents
        }
        guard Array(bytes[0..<8]) == magic else {
            contents.headerProblem = "not an mmsearch checksum file (bad magic)"
            return contents
        }
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 28, as: UInt32.self)) }
        guard CRC32C.checksum(Array(bytes[0..<28])) == stored else {
            contents.headerProblem = "header checksum does not match its bytes"
            return contents
        }
        let v = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        guard v == version else {
            contents.headerProblem = "format version \(v) is not one this mmsearch reads (\(version))"
            return contents
        }
        let count = (bytes.count - headerSize) / entrySize
        for i in 0..<count {
            if let sum = decode(bytes, at: headerSize + i * entrySize) {
                contents.entries.append(sum)
            } else {
                contents.damagedEntries += 1
            }
        }
        return contents
    }
}

/// Writing a whole derived file safely: into `<name>.tmp` beside it, synced, renamed over the
/// old one, the folder synced. A reader that mapped the old file keeps its pages.
enum AtomicFile {
    /// Writes what `body` appends (through the function it is given) as the file at `url`.
    static func write(to url: URL, what: String, _ body: (_ append: ([UInt8]) throws -> Void) throws -> Void) throws {
        let temporary = url.appendingPathExtension("tmp")
        let fd = open(temporary.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "\(what) \(temporary.path) cannot be created: \(POSIX.lastError)")
        }
        var offset = 0
        func append(_ bytes: [UInt8]) throws {
            guard bytes.withUnsafeBytes({ POSIX.writeAll(fd, $0, at: offset) }) else {
                throw MMSearchError(.fatal, "\(what) \(url.path) cannot be written: \(POSIX.lastError)")
            }
            offset += bytes.count
        }
        do {
            try body(append)
            guard fsync(fd) == 0 else {
                throw MMSearchError(.fatal, "\(what) \(url.path) cannot be written: \(POSIX.lastError)")
            }
        } catch {
            close(fd)
            unlink(temporary.path)
            throw error
        }
        close(fd)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = POSIX.lastError
            unlink(temporary.path)
            throw MMSearchError(.fatal, "\(what) \(url.path) cannot be written: \(reason)")
        }
        POSIX.syncDirectory(url.deletingLastPathComponent().path)
    }

    static func write(_ bytes: [UInt8], to url: URL, what: String) throws {
        try write(to: url, what: what) { try $0(bytes) }
    }
}

/// Looking up checksums by rows.
enum RowChecksums {
    /// The entries of `sums` (in increasing row order, as a checksum file holds them) whose rows
    /// overlap `range`.
    static func overlapping(_ range: Range<Int>, in sums: [RowChecksum]) -> ArraySlice<RowChecksum> {
        var low = 0
        var high = sums.count
        while low < high {
            let mid = (low + high) / 2
            if sums[mid].rows.upperBound <= range.lowerBound { low = mid + 1 } else { high = mid }
        }
        var end = low
        while end < sums.count, sums[end].rows.lowerBound < range.upperBound { end += 1 }
        return sums[low..<end]
    }
}

/// Rows as people read them in messages: `7`, `3–9`, `3–9, 12, 20–31 and 4 more`.
enum RowRanges {
    static func text(_ rows: Range<Int>) -> String {
        rows.count == 1 ? "\(rows.lowerBound)" : "\(rows.lowerBound)–\(rows.upperBound - 1)"
    }

    static func text(_ ranges: [Range<Int>], limit: Int = 4) -> String {
        let shown = ranges.prefix(limit).map { text($0) }.joined(separator: ", ")
        return ranges.count > limit ? "\(shown) and \(ranges.count - limit) more" : shown
    }

    /// `row 7` or `rows 3–9, 12`, for sorted distinct rows.
    static func phrase(_ rows: [Int]) -> String {
        (rows.count == 1 ? "row " : "rows ") + text(ranges(rows))
    }

    /// Sorted, distinct rows as the fewest ranges.
    static func ranges<S: Sequence<Int>>(_ rows: S) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for row in rows {
            if let last = result.last, last.upperBound == row {
                result[result.count - 1] = last.lowerBound..<(row + 1)
            } else if result.last.map({ $0.contains(row) }) != true {
                result.append(row..<(row + 1))
            }
        }
        return result
    }

    /// Number of rows in `ranges` (disjoint).
    static func count(_ ranges: [Range<Int>]) -> Int { ranges.reduce(0) { $0 + $1.count } }
}
