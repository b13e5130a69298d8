import CCodecs

/// Helpers shared by the JPEG and PNG wrappers around the C shim.
enum CodecCall {
    static let messageCapacity = 256

    /// Runs a shim call with an error buffer and returns its status and message.
    static func withMessage(_ body: (UnsafeMutablePointer<CChar>, Int) -> mm_status) -> (mm_status, String) {
        var buffer = [CChar](repeating: 0, count: messageCapacity)
        let status = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        let message = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (status, message)
    }

    /// The `MediaError` for a failed shim call.
    static func error(_ status: mm_status, message: String, header: mm_image_header,
                      format: ImageFormat, name: String, limits: ImageLimits) -> MediaError {
        let detail = cleaned(message)
        switch status {
        case MM_ERR_TRUNCATED:
            return MediaError(path: name, kind: .truncated,
                              reason: "truncated \(format.rawValue) (premature end of data)")
        case MM_ERR_TOO_LARGE:
            let w = Int(header.stored_width)
            let h = Int(header.stored_height)
            return MediaError(path: name, kind: .tooManyPixels,
                              reason: "image is \(w)x\(h) (\(megapixels(w * h))), above the limit of \(megapixels(limits.maxPixels))")
        case MM_ERR_UNSUPPORTED:
            return MediaError(path: name, kind: .unsupported, reason: "unsupported \(format.rawValue): \(detail)")
        case MM_ERR_NO_MEMORY:
            return MediaError(path: name, kind: .outOfMemory, reason: "out of memory decoding \(format.rawValue): \(detail)")
        default:
            return MediaError(path: name, kind: .corrupt, reason: "corrupt \(format.rawValue): \(detail)")
        }
    }

    /// libjpeg's "Corrupt JPEG data: bad Huffman code" reads "corrupt JPEG: bad Huffman code".
    private static func cleaned(_ message: String) -> String {
        let prefix = "Corrupt JPEG data: "
        let text = message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
        return text.isEmpty ? "unknown error" : text
    }

    /// `width * height * 3` bytes filled by `fill`, which returns a shim status.
    static func pixels(width: Int, height: Int,
                       _ fill: (UnsafeMutablePointer<UInt8>, Int) -> (mm_status, String)) -> ([UInt8], mm_status, String) {
        let count = width * height * 3
        var result = (MM_OK, "")
        let pixels = [UInt8](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
            result = fill(buffer.baseAddress!, count)
            initialized = result.0 == MM_OK ? count : 0
        }
        return (pixels, result.0, result.1)
    }
}
