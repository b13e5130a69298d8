import CCodecs

/// RGB to baseline JPEG through the C shim (libjpeg-turbo).
enum JPEGEncoding {
    /// `image` as a JPEG file of libjpeg's `quality` (1...100, checked by the caller).
    /// `name` stands for the file in error messages.
    static func encode(_ image: RGBImage, quality: Int, name: String) throws -> [UInt8] {
        var jpeg: UnsafeMutablePointer<UInt8>?
        var size = 0
        let (status, message) = image.pixels.withUnsafeBufferPointer { rgb in
            ShimCall.withMessage { text, capacity in
                mm_jpeg_encode_rgb(rgb.baseAddress, rgb.count, UInt32(clamping: image.width),
                                   UInt32(clamping: image.height), Int32(clamping: quality),
                                   &jpeg, &size, text, capacity)
            }
        }
        guard status == MM_OK, let jpeg else {
            throw MediaError(path: name, kind: status == MM_ERR_NO_MEMORY ? .outOfMemory : .unsupported,
                             reason: "cannot encode a \(image.width)x\(image.height) JPEG: \(message)")
        }
        defer { mm_jpeg_free(jpeg) }
        return Array(UnsafeBufferPointer(start: jpeg, count: size))
    }
}
