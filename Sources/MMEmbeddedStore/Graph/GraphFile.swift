import CVectorKernels
import Foundation
import MMSearchKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the approximate index of a space is built and when it is used.
package struct GraphParameters: Sendable, Equatable {
    /// Links per node on levels 1 and above (HNSW's M); level 0 keeps twice as many. On 1M
    /// vectors made from real embeddings, 16 left recall@10 at 0.96–0.97 however wide the walk
    /// (a few queries whose neighbours form a tight group with few links in); 24 reached 0.987.
    package var links: Int
    /// Candidates kept while inserting a node (HNSW's ef_construction).
    package var buildWidth: Int
    /// Whether inserts order rows by their f32 values (f32 vector files) rather than int8.
    package var exactLinks: Bool
    /// Rows from which a space gets a graph: below, the int8 scan answers in a few
    /// milliseconds and is exact.
    package var minimumRows: Int
    /// Rows added since the graph was last written that a writer lets searches scan before
    /// it extends the graph in the middle of a run (and at least a quarter of the graph).
    package var tailRows: Int

    package init(links: Int = 24, buildWidth: Int = 128, exactLinks: Bool = true,
                 minimumRows: Int = 100_000, tailRows: Int = 100_000) {
        self.links = links
        self.buildWidth = buildWidth
        self.exactLinks = exactLinks
        self.minimumRows = minimumRows
        self.tailRows = tailRows
    }

    /// The widest walk a search widens to when too few of the rows found pass its filters;
    /// beyond, it scans.
    static let widest = 4096

    /// How many of a walk's rows (best first by int8 score) are rescored exactly for `k`
    /// results.
    static func rescored(_ k: Int) -> Int { max(4 * k, 32) }

    /// The values above, as measured.
    package static let standard = GraphParameters()
}

/// The header of a graph file: 64 bytes, little-endian, with its own checksum and one over
/// the body.
///
///     0  "MMSGRAPH"         24 count              40 upper lists (u64)
///     8  version (1)        28 entry              48 CRC-32C of the body
///     12 dimension          32 top level (i32)    52 reserved
///     16 links (m)          36 build width        56 CRC-32C of bytes 0 ..< 56
///     20 base links (m0)
///
/// The body: `levels` (one byte per node, padded to 4), `upperAt` (u32 per node), level-0
/// lists (`baseLinks + 1` u32 per node: a count, then row numbers), upper lists (`links + 1`
/// u32 each).
struct GraphHeader: Sendable, Equatable {
    static let size = 64
    static let magic = Array("MMSGRAPH".utf8)
    static let version: UInt32 = 1

    var dimension: Int
    var links: Int
    var baseLinks: Int
    var count: Int
    var entry: Int
    var top: Int
    var buildWidth: Int
    var upperLists: Int
    var bodyChecksum: UInt32 = 0

    var levelsBytes: Int { (count + 3) / 4 * 4 }
    var baseCount: Int { count * (baseLinks + 1) }
    var upperCount: Int { upperLists * (links + 1) }
    var bodySize: Int { levelsBytes + 4 * count + 4 * baseCount + 4 * upperCount }
    var fileSize: Int { Self.size + bodySize }

    func encoded() -> [UInt8] {
        var bytes = Self.magic
        func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        put32(Self.version)
        for v in [dimension, links, baseLinks, count, entry] { put32(UInt32(v)) }
        put32(UInt32(bitPattern: Int32(top)))
        put32(UInt32(buildWidth))
        withUnsafeBytes(of: UInt64(upperLists).littleEndian) { bytes += $0 }
        put32(bodyChecksum)
        put32(0)
        put32(CRC32C.checksum(bytes))
        put32(0)
        return bytes
    }

    /// The header of the graph file at `url`, if it has a sound one.
    static func read(_ url: URL) -> GraphHeader? {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return try? decode(POSIX.read(fd, count: size, at: 0) ?? []).get()
    }

    /// The header in `bytes`, or why it cannot be one.
    static func decode(_ bytes: [UInt8]) -> Result<GraphHeader, GraphDamage> {
        guard bytes.count >= size else { return .failure(.init("it is shorter than its \(size)-byte header")) }
        guard Array(bytes[0..<8]) == magic else { return .failure(.init("it is not an mmsearch graph file")) }
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard CRC32C.checksum(Array(bytes[0..<56])) == u32(56) else {
            return .failure(.init("its header does not match its checksum"))
        }
        guard u32(8) == version else { return .failure(.init("it is of format \(u32(8)), not \(version)")) }
        let upper = Int(u32(40)) | Int(u32(44)) << 32
        let header = GraphHeader(dimension: Int(u32(12)), links: Int(u32(16)), baseLinks: Int(u32(20)),
                                 count: Int(u32(24)), entry: Int(u32(28)), top: Int(Int32(bitPattern: u32(32))),
                                 buildWidth: Int(u32(36)), upperLists: upper, bodyChecksum: u32(48))
        guard (1...1024).contains(header.links), (1...1024).contains(header.baseLinks), header.dimension > 0,
              header.top >= -1, header.top <= GraphLevels.highest,
              (header.count == 0) == (header.top == -1), header.count == 0 || header.entry < header.count,
              header.upperLists <= header.count * GraphLevels.highest
        else { return .failure(.init("its header describes no graph (\(header))")) }
        return .success(header)
    }
}

/// Why a graph file cannot be used.
struct GraphDamage: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The levels of the nodes: drawn once per row from the row number (so a rebuild draws the
/// same), geometric with ratio 1/m as HNSW prescribes.
enum GraphLevels {
    static let highest = 15

    static func level(ofRow row: Int, links: Int) -> UInt8 {
        var z = UInt64(row) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        return UInt8(min(highest, Int(-Foundation.log(u) / Foundation.log(Double(max(2, links))))))
    }
}

/// A graph in memory, as it is built: the arrays of the file's body.
final class GraphArrays: @unchecked Sendable {
    var header: GraphHeader
    let levels: UnsafeMutableBufferPointer<UInt8>
    let upperAt: UnsafeMutableBufferPointer<UInt32>
    let base: UnsafeMutableBufferPointer<UInt32>
    let upper: UnsafeMutableBufferPointer<UInt32>

    /// Room for `count` nodes, the first `previous.count` copied from `previous` (whose
    /// parameters must be these), the rest with their levels drawn and every list empty.
    init(count: Int, dimension: Int, parameters: GraphParameters, copying previous: GraphBody?) {
        let (links, baseLinks) = (parameters.links, 2 * parameters.links)
        let old = previous?.header.count ?? 0
        precondition(old <= count)
        levels = .allocate(capacity: max(1, (count + 3) / 4 * 4))
        levels.initialize(repeating: 0)
        upperAt = .allocate(capacity: max(1, count))
        upperAt.initialize(repeating: 0)
        var lists = previous?.header.upperLists ?? 0
        if let previous {
            _ = UnsafeMutableBufferPointer(rebasing: levels[0..<old]).initialize(from: previous.levels)
            _ = UnsafeMutableBufferPointer(rebasing: upperAt[0..<old]).initialize(from: previous.upperAt)
        }
        for row in old..<count {
            let level = GraphLevels.level(ofRow: row, links: links)
            levels[row] = level
            upperAt[row] = UInt32(lists)
            lists += Int(level)
        }
        base = .allocate(capacity: max(1, count * (baseLinks + 1)))
        base.initialize(repeating: 0)
        upper = .allocate(capacity: max(1, lists * (links + 1)))
        upper.initialize(repeating: 0)
        if let previous {
            _ = UnsafeMutableBufferPointer(rebasing: base[0..<previous.base.count]).initialize(from: previous.base)
            _ = UnsafeMutableBufferPointer(rebasing: upper[0..<previous.upper.count]).initialize(from: previous.upper)
        }
        header = GraphHeader(dimension: dimension, links: links, baseLinks: baseLinks, count: count,
                             entry: previous?.header.entry ?? 0, top: previous?.header.top ?? -1,
                             buildWidth: parameters.buildWidth, upperLists: lists)
    }

    deinit {
        levels.deallocate()
        upperAt.deallocate()
        base.deallocate()
        upper.deallocate()
    }

    /// The body's parts as the file holds them, in order.
    var parts: [UnsafeRawBufferPointer] {
        [UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(levels)[0..<header.levelsBytes]),
         UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(upperAt)[0..<(4 * header.count)]),
         UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(base)[0..<(4 * header.baseCount)]),
         UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(upper)[0..<(4 * header.upperCount)])]
    }

    /// Writes the graph to `url` so that a crash at any moment leaves either the old file or
    /// the new one: a temporary file beside it, synced, renamed over it, the folder synced.
    func write(to url: URL) throws {
        var checksum: UInt32 = 0
        for part in parts { checksum = CRC32C.update(checksum, part) }
        header.bodyChecksum = checksum
        let temporary = url.appendingPathExtension("tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MMSearchError(.fatal, "graph file \(temporary.path) cannot be created: \(POSIX.lastError)")
        }
        var ok = header.encoded().withUnsafeBytes { POSIX.writeAll(fd, $0, at: 0) }
        var offset = GraphHeader.size
        for part in parts where ok {
            ok = POSIX.writeAll(fd, part, at: offset)
            offset += part.count
        }
        ok = ok && fsync(fd) == 0
        let error = POSIX.lastError
        close(fd)
        guard ok, rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw MMSearchError(.fatal, "graph file \(url.path) cannot be written: \(error)")
        }
        POSIX.syncDirectory(url.deletingLastPathComponent().path)
    }
}

/// The body of a graph file as read: views into a mapping (or into `GraphArrays`).
struct GraphBody {
    let header: GraphHeader
    let levels: UnsafeBufferPointer<UInt8>
    let upperAt: UnsafeBufferPointer<UInt32>
    let base: UnsafeBufferPointer<UInt32>
    let upper: UnsafeBufferPointer<UInt32>

    /// The body after a header at `start` (the file's first byte) of `length` bytes.
    init(header: GraphHeader, file start: UnsafeRawPointer) {
        self.header = header
        var at = start + GraphHeader.size
        levels = UnsafeBufferPointer(start: at.assumingMemoryBound(to: UInt8.self), count: header.count)
        at += header.levelsBytes
        upperAt = UnsafeBufferPointer(start: at.assumingMemoryBound(to: UInt32.self), count: header.count)
        at += 4 * header.count
        base = UnsafeBufferPointer(start: at.assumingMemoryBound(to: UInt32.self), count: header.baseCount)
        at += 4 * header.baseCount
        upper = UnsafeBufferPointer(start: at.assumingMemoryBound(to: UInt32.self), count: header.upperCount)
    }
}
