import CCodecs

/// JPEG through the C shim: header, EXIF/XMP orientation, optional DCT scaling, RGB pixels.
enum JPEGDecoding {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, limits: ImageLimits,
                       draft: (width: Int, height: Int)?) throws -> DecodedImage {
        var handle: OpaquePointer?
        var header = mm_image_header()
        let draftWidth = draft.map { clampToUInt32($0.width) } ?? 0
        let draftHeight = draft.map { clampToUInt32($0.height) } ?? 0
        let (status, message) = ShimCall.withMessage { text, capacity in
            mm_jpeg_open(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                         UInt64(max(limits.maxPixels, 0)), draftWidth, draftHeight,
                         &handle, &header, text, capacity)
        }
        guard status == MM_OK, let decoder = handle else {
            throw CodecCall.error(status, message: message, header: header, format: .jpeg, name: name, limits: limits)
        }
        defer { mm_jpeg_close(decoder) }
        if let draft {
            try limits.checkResize(width: Int(header.stored_width), height: Int(header.stored_height),
                                   toShorterSide: min(draft.width, draft.height), name: name)
        }

        let orientation = self.orientation(decoder)
        let width = Int(header.width)
        let height = Int(header.height)
        let (pixels, readStatus, readMessage) = CodecCall.pixels(width: width, height: height) { out, count in
            ShimCall.withMessage { text, capacity in
                mm_jpeg_read_rgb(decoder, out, count, text, capacity)
            }
        }
        guard readStatus == MM_OK else {
            throw CodecCall.error(readStatus, message: readMessage, header: header, format: .jpeg, name: name, limits: limits)
        }
        let stored = (width: Int(header.stored_width), height: Int(header.stored_height))
        return DecodedImage(image: RGBImage(width: width, height: height, pixels: pixels).oriented(orientation),
                            fullSize: orientation.swapsDimensions ? (stored.height, stored.width) : stored)
    }

    /// Pillow's rules: every APP1 starting `Exif\0\0` is EXIF (later ones are appended without
    /// their header); the last APP1 starting with the XMP namespace is XMP (after its NUL).
    private static func orientation(_ decoder: OpaquePointer) -> ImageOrientation {
        var exif: [UInt8]?
        var xmp: [UInt8]?
        let xmpHeader = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
        for index in 0..<mm_jpeg_app1_count(decoder) {
            var pointer: UnsafePointer<UInt8>?
            var length = 0
            guard mm_jpeg_app1(decoder, index, &pointer, &length) != 0, let pointer else { continue }
            let segment = UnsafeBufferPointer(start: pointer, count: length)
            if segment.starts(with: ExifOrientation.exifHeader) {
                if exif == nil {
                    exif = Array(segment)
                } else {
                    exif?.append(contentsOf: segment.dropFirst(ExifOrientation.exifHeader.count))
                }
            } else if segment.starts(with: xmpHeader) {
                xmp = Array(segment.dropFirst(xmpHeader.count))
            }
        }
        return ExifOrientation.resolve(exif: exif, xmp: xmp)
    }

    private static func clampToUInt32(_ value: Int) -> UInt32 {
        value <= 0 ? 0 : UInt32(min(value, Int(UInt32.max)))
    }
}
