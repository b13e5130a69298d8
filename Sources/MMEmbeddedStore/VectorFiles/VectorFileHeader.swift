import Foundation
import MMSearchKit

/// How one number of a vector is stored in a vector file.
enum VectorElementType: String, Sendable, CaseIterable {
    /// 32-bit IEEE float, little-endian.
    case f32
    /// 16-bit IEEE float, little-endian: half the disk of f32, about 3 significant digits.
    case f16
    /// 8-bit signed integers in [-127, 127] followed by the row's f32 scale: the quantised
    /// copy of a space's vectors that the fast scan reads (see `Quantizer`).
    case int8

    /// The code stored in a vector file's header.
    var code: UInt32 {
        switch self {
        case .f32: 1
        case .f16: 2
        case .int8: 3
        }
    }

    init?(code: UInt32) {
        guard let type = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = type
    }

    init(_ storage: VectorStorage) {
        switch storage {
        case .f32: self = .f32
        case .f16: self = .f16
        }
    }

    /// The storage this type is, nil for the int8 codes.
    var storage: VectorStorage? { VectorStorage(rawValue: rawValue) }

    /// Bytes one row of `dimension` elements takes.
    func rowStride(dimension: Int) -> Int {
        switch self {
        case .f32: dimension * 4
        case .f16: dimension * 2
        case .int8: dimension + 4
        }
    }
}

/// The fixed 64-byte header at the start of every vector file.
///
/// Layout (little-endian): magic `MMSVECS\0` (8 bytes), format version (u32), element type
/// (u32), dimension (u32), header size (u32), row stride in bytes (u32), header checksum
/// (u32), space fingerprint (32 bytes, ASCII, zero-padded). Rows follow the header back to
/// back; the row count is `(file size - header size) / row stride`, so a torn last row is
/// ignored. An int8 row is `dimension` codes then the f32 scale (`code × scale ≈ value`).
///
/// Format versions: 1 (the first) has zero where the checksum is and nothing verifies it;
/// 2 keeps there the CRC-32C of the 64 header bytes with those four bytes zero, checked on
/// every open, and promises a checksum file (`RowChecksumFile`) for the rows of a master
/// vector file. Both are read; new files are written as 2; repair and compaction turn 1 into 2.
struct VectorFileHeader: Equatable, Sendable {
    static let magic: [UInt8] = Array("MMSVECS".utf8) + [0]
    static let size = 64
    static let currentVersion: UInt32 = 2
    /// The first version whose header carries its checksum.
    static let checksummedVersion: UInt32 = 2
    /// Where the header checksum is.
    static let checksumOffset = 28

    var version: UInt32 = currentVersion
    var elementType: VectorElementType
    var dimension: Int
    var fingerprint: String

    /// True when the header carries a checksum and its rows have a checksum file.
    var isChecksummed: Bool { version >= Self.checksummedVersion }

    var rowStride: Int { elementType.rowStride(dimension: dimension) }

    func encoded() -> [UInt8] {
        var bytes = Self.magic
        for value in [version, elementType.code, UInt32(dimension), UInt32(Self.size),
                      UInt32(rowStride), 0] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        var print = Array(fingerprint.utf8.prefix(32))
        print += [UInt8](repeating: 0, count: 32 - print.count)
        bytes += print
        if isChecksummed {
            withUnsafeBytes(of: CRC32C.checksum(bytes).littleEndian) {
                bytes.replaceSubrange(Self.checksumOffset..<(Self.checksumOffset + 4), with: $0)
            }
        }
        return bytes
    }

    /// Reads and checks a header; `reason` says what is wrong with a bad one.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<VectorFileHeader, HeaderError> {
        guard bytes.count >= size else {
            return .failure(.init("file is \(bytes.count) bytes, shorter than the \(size)-byte header"))
        }
        guard Array(bytes[0..<8]) == magic else {
            return .failure(.init("not an mmsearch vector file (bad magic)"))
        }
        func u32(_ offset: Int) -> UInt32 {
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }
        let version = u32(8)
        guard version >= 1, version <= currentVersion else {
            return .failure(.init("format version \(version) is newer than this mmsearch reads "
                                  + "(\(currentVersion))", newer: version > currentVersion))
        }
        guard let type = VectorElementType(code: u32(12)) else {
            return .failure(.init("unknown element type code \(u32(12))"))
        }
        let dimension = Int(u32(16))
        guard dimension > 0, dimension <= 1 << 16 else {
            return .failure(.init("implausible dimension \(dimension)"))
        }
        guard u32(20) == UInt32(size) else {
            return .failure(.init("unexpected header size \(u32(20))"))
        }
        guard Int(u32(24)) == type.rowStride(dimension: dimension) else {
            return .failure(.init("row stride \(u32(24)) does not match \(dimension) \(type) values"))
        }
        // Fields that make no sense say so first; the checksum catches every other change.
        if version >= checksummedVersion {
            var copy = Array(bytes[0..<size])
            copy.replaceSubrange(checksumOffset..<(checksumOffset + 4), with: [0, 0, 0, 0])
            let stored = u32(checksumOffset)
            let computed = CRC32C.checksum(copy)
            guard stored == computed else {
                return .failure(.init(String(format: "header checksum %08x does not match its bytes (%08x)",
                                             stored, computed)))
            }
        }
        let printBytes = bytes[32..<64].prefix { $0 != 0 }
        let fingerprint = String(decoding: printBytes, as: UTF8.self)
        return .success(VectorFileHeader(version: version, elementType: type,
                                            dimension: dimension, fingerprint: fingerprint))
    }

    /// The first 32 bytes of a fingerprint, as the header keeps it.
    static func storedFingerprint(_ fingerprint: String) -> String {
        String(decoding: fingerprint.utf8.prefix(32), as: UTF8.self)
    }

    struct HeaderError: Error {
        /// The error an opener reports for the file at `path`: a newer file asks for an
        /// upgrade, anything else is damage `repair` fixes.
        func error(path: String) -> MMSearchError {
            newer
                ? MMSearchError(.fatal, "vector file \(path) was written by a newer mmsearch: \(reason)", reason: .indexTooNew)
                : MMSearchError(.fatal, "vector file \(path) is damaged: \(reason)", reason: .indexDamaged)
        }

        let reason: String
        /// True when the file is from a newer mmsearch (not damaged: upgrade).
        let newer: Bool
        init(_ reason: String, newer: Bool = false) {
            self.reason = reason
            self.newer = newer
        }
    }
}
