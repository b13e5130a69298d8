import CCodecs

/// Helpers shared by the JPEG and PNG wrappers around the CCodecs shim (calls go through
/// `ShimCall.withMessage`).
enum CodecCall {
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
            return .unsupported(name, format.rawValue, detail)
        case MM_ERR_NO_MEMORY:
            return .outOfMemory(name, format.rawValue, detail: detail)
        default:
            return .corrupt(name, format.rawValue, detail)
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
