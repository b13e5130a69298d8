import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// XXH64 of a file's bytes: how an index run recognises a moved, renamed or copied file
/// without embedding it again.
///
/// Why XXH64: it runs at memory speed (several GB/s; SHA-256 here manages a few hundred MB/s),
/// and the question is only "same bytes?" between files of one library, where nobody forges
/// collisions. With the file size compared too, two different files of equal size share a hash
/// with probability about n²/2⁶⁵ — for a million files, 3·10⁻⁸. The algorithm is the one of
/// the xxHash specification (github.com/Cyan4973/xxHash, doc/xxhash_spec.md), seed 0.
struct ContentHash {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private var v1: UInt64 = 0
    private var v2: UInt64 = 0
    private var v3: UInt64 = 0
    private var v4: UInt64 = 0
    private let seed: UInt64
    private var total = 0
    /// Bytes waiting for a whole 32-byte stripe.
    private var pending: [UInt8] = []

    init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.p1 &+ Self.p2
        v2 = seed &+ Self.p2
        v3 = seed
        v4 = seed &- Self.p1
        pending.reserveCapacity(32)
    }

    @inline(__always)
    private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        (acc &+ input &* p2).rotatedLeft(31) &* p1
    }

    @inline(__always)
    private static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* p1 &+ p4
    }

    /// Feeds bytes.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        total += bytes.count
        var offset = 0
        if !pending.isEmpty {
            let take = min(32 - pending.count, bytes.count)
            pending += UnsafeRawBufferPointer(start: base, count: take)
            offset = take
            guard pending.count == 32 else { return }
            pending.withUnsafeBytes { stripes($0.baseAddress!, count: 32) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = (bytes.count - offset) / 32 * 32
        stripes(base + offset, count: whole)
        offset += whole
        if offset < bytes.count {
            pending += UnsafeRawBufferPointer(start: base + offset, count: bytes.count - offset)
        }
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    private mutating func stripes(_ base: UnsafeRawPointer, count: Int) {
        var (a, b, c, d) = (v1, v2, v3, v4)
        var offset = 0
        while offset < count {
            a = Self.round(a, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            b = Self.round(b, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
            c = Self.round(c, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)))
            d = Self.round(d, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
            offset += 32
        }
        (v1, v2, v3, v4) = (a, b, c, d)
    }

    /// The hash of everything fed so far.
    func finalize() -> UInt64 {
        var h: UInt64
        if total >= 32 {
            h = v1.rotatedLeft(1) &+ v2.rotatedLeft(7) &+ v3.rotatedLeft(12) &+ v4.rotatedLeft(18)
            h = Self.merge(h, v1)
            h = Self.merge(h, v2)
            h = Self.merge(h, v3)
            h = Self.merge(h, v4)
        } else {
            h = seed &+ Self.p5
        }
        h &+= UInt64(total)
        pending.withUnsafeBytes { tail in
            var i = 0
            while i + 8 <= tail.count {
                h ^= Self.round(0, UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                h = h.rotatedLeft(27) &* Self.p1 &+ Self.p4
                i += 8
            }
            if i + 4 <= tail.count {
                h ^= UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* Self.p1
                h = h.rotatedLeft(23) &* Self.p2 &+ Self.p3
                i += 4
            }
            while i < tail.count {
                h ^= UInt64(tail[i]) &* Self.p5
                h = h.rotatedLeft(11) &* Self.p1
                i += 1
            }
        }
        h ^= h >> 33
        h &*= Self.p2
        h ^= h >> 29
        h &*= Self.p3
        h ^= h >> 32
        return h
    }

    /// The hash of `bytes`.
    static func of(_ bytes: [UInt8]) -> UInt64 {
        var hash = ContentHash()
        hash.update(bytes)
        return hash.finalize()
    }

    /// Hashes the file at `path` (read in 1 MiB pieces) and returns the hash with the number of
    /// bytes read; on failure the reason.
    static func ofFile(_ path: String) -> Result<(hash: UInt64, size: Int64), FailureReason> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FailureReason("cannot be read: \(POSIX.lastError)")) }
        defer { close(fd) }
        var hash = ContentHash()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var size: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(FailureReason("cannot be read: \(POSIX.lastError)"))
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            size += Int64(n)
        }
        return .success((hash.finalize(), size))
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
