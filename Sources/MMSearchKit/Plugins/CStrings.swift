import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing the C strings that cross the plugin ABI, never past their bounds.
enum CStrings {
    /// The NUL-terminated UTF-8 string at `pointer`, if it is at most `maxBytes` long and valid
    /// UTF-8; reads at most `maxBytes + 1` bytes.
    static func read(_ pointer: UnsafePointer<CChar>?, maxBytes: Int) -> String? {
        guard let pointer else { return nil }
        let length = strnlen(pointer, maxBytes + 1)
        guard length <= maxBytes else { return nil }
        let bytes = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        return String(validating: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    /// The message a callee left in an error buffer of `size` bytes: up to the first NUL (or the
    /// whole buffer), invalid UTF-8 replaced, whitespace trimmed.
    static func message(in buffer: UnsafeBufferPointer<CChar>) -> String {
        let bytes = UnsafeRawBufferPointer(buffer)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes `text` into a caller's buffer of `size` bytes, NUL-terminated, cut at a character
    /// boundary when it does not fit. Does nothing when there is no room at all.
    static func write(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, size: Int) {
        guard let buffer, size > 0 else { return }
        var bytes = Array(text.utf8)
        if bytes.count > size - 1 {
            var cut = size - 1
            // Back off to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes = Array(bytes[..<cut])
        }
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: source.count)
            }
        }
        buffer[bytes.count] = 0
    }
}
