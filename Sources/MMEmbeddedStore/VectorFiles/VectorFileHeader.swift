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
/// (u32), dimension (u32), header size (u32), row stride in bytes (u32), reserved (u32),
/// space fingerprint (32 bytes, ASCII, zero-padded). Rows follow the header back to back; the
/// row count is `(file size - header size) / row stride`, so a torn last row is ignored.
/// An int8 row is `dimension` codes then the f32 scale (`code × scale ≈ value`).
struct VectorFileHeader: Equatable, Sendable {
    static let magic: [UInt8] = Array("MMSVECS".utf8) + [0]
    static let size = 64
    static let currentVersion: UInt32 = 1

    var version: UInt32 = currentVersion
    var elementType: VectorElementType
    var dimension: Int
    var fingerprint: String

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
                                  + "(\(currentVersion))"))
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
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
