import CCodecs

/// PNG through the C shim: header, RGB pixels, then EXIF/XMP orientation (eXIf may follow the
/// image data, so it is read last, as Pillow's `exif_transpose` sees it after loading).
enum PNGDecoding {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, limits: ImageLimits,
                       draft: (width: Int, height: Int)?) throws -> RGBImage {
        var handle: OpaquePointer?
        var header = mm_image_header()
        let (status, message) = ShimCall.withMessage { text, capacity in
            mm_png_open(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                        UInt64(max(limits.maxPixels, 0)), &handle, &header, text, capacity)
        }
        guard status == MM_OK, let decoder = handle else {
            throw CodecCall.error(status, message: message, header: header, format: .png, name: name, limits: limits)
        }
        defer { mm_png_close(decoder) }
        if let draft {
            try limits.checkResize(width: Int(header.width), height: Int(header.height),
                                   toShorterSide: min(draft.width, draft.height), name: name)
        }

        let width = Int(header.width)
        let height = Int(header.height)
        let (pixels, readStatus, readMessage) = CodecCall.pixels(width: width, height: height) { out, count in
            ShimCall.withMessage { text, capacity in
                mm_png_read_rgb(decoder, out, count, text, capacity)
            }
        }
        guard readStatus == MM_OK else {
            throw CodecCall.error(readStatus, message: readMessage, header: header, format: .png, name: name, limits: limits)
        }
        return RGBImage(width: width, height: height, pixels: pixels).oriented(orientation(decoder))
    }

    private static func orientation(_ decoder: OpaquePointer) -> ImageOrientation {
        var pointer: UnsafePointer<UInt8>?
        var length = 0
        var exif: [UInt8]?
        if mm_png_exif(decoder, &pointer, &length) != 0, let pointer {
            exif = Array(UnsafeBufferPointer(start: pointer, count: length))
        }
        var xmp: [UInt8]?
        pointer = nil
        if mm_png_text(decoder, "XML:com.adobe.xmp", &pointer, &length) != 0, let pointer {
            xmp = Array(UnsafeBufferPointer(start: pointer, count: length))
        }
        return ExifOrientation.resolve(exif: exif, xmp: xmp)
    }
}
