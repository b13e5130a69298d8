/// Decodes JPEG and PNG files into upright 8-bit RGB, as Pillow's
/// `ImageOps.exif_transpose(Image.open(path)).convert("RGB")` does, bit for bit.
///
/// The format is detected from the content, never from the file name. Every failure throws a
/// `MediaError` naming the file and the reason; no input makes it crash or read out of bounds.
/// Safe to call from several threads at once.
///
/// What "like Pillow" means in detail:
/// - JPEG: libjpeg-turbo with Pillow's settings (accurate integer IDCT, fancy upsampling).
///   Greyscale is replicated; CMYK and YCCK are read as Adobe-inverted CMYK and converted
///   with Pillow's `cmyk2rgb`. A truncated file is an error (Pillow's default, "image file is
///   truncated"), and so is damaged entropy-coded data (libjpeg's "Corrupt JPEG data"
///   warnings, which Pillow ignores); harmless warnings (extraneous bytes before a marker,
///   unknown JFIF revision or Adobe transform) are not.
/// - PNG: alpha is dropped, not composited; tRNS and gamma are ignored; 16-bit samples keep
///   their high byte. One deliberate difference: Pillow opens 16-bit greyscale as mode I;16
///   and its `convert("RGB")` clips every value above 255 to white; here 16-bit grey keeps
///   its high byte like every other 16-bit PNG. An ancillary chunk with a bad CRC is skipped
///   (libpng's default) where Pillow refuses the file.
/// - Orientation: the EXIF Orientation tag (JPEG APP1 `Exif`, PNG eXIf), else XMP's
///   `tiff:Orientation`, applied as `ImageOps.exif_transpose` does.
public enum ImageDecoder {
    /// Decodes the image file at `url`.
    ///
    /// - Parameters:
    ///   - limits: refuse files or images above these sizes, before decoding them.
    ///   - draft: for JPEG, let libjpeg decode at 1/2, 1/4 or 1/8 scale while the result stays
    ///     at least this large, exactly like Pillow's `img.draft("RGB", (width, height))`
    ///     called before `exif_transpose`: the size is compared with the image as stored,
    ///     before the EXIF rotation; ignored for PNG, and when not positive. It is also the
    ///     size the caller will resize to: an image whose shorter side scaled to it would exceed
    ///     `limits.maxResizedPixels` is refused from its header (JPEG and PNG).
    /// - Throws: `MediaError`, whose message starts with the path as `url` gives it.
    public static func decode(contentsOf url: URL, limits: ImageLimits = .init(),
                              draft: (width: Int, height: Int)? = nil) throws -> RGBImage {
        try decodeKeepingFullSize(contentsOf: url, limits: limits, draft: draft).image
    }

    /// Like `decode(contentsOf:limits:draft:)`, and also says how large the upright image is
    /// at full scale, before any DCT scaling: a caller that resizes can then compute its target
    /// size from the true geometry, so that decoding at a reduced scale never moves a crop.
    public static func decodeKeepingFullSize(contentsOf url: URL, limits: ImageLimits = .init(),
                                             draft: (width: Int, height: Int)? = nil) throws -> DecodedImage {
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        let bytes = try FileBytes.load(path: url.path, name: name, maxBytes: limits.maxFileBytes)
        return try bytes.withUnsafeBytes { buffer in
            try decoded(buffer: buffer, name: name, limits: limits, draft: draft)
        }
    }

    /// Decodes an image held in memory. `name` stands for the file in error messages.
    public static func decode(bytes: [UInt8], name: String = "<memory>", limits: ImageLimits = .init(),
                              draft: (width: Int, height: Int)? = nil) throws -> RGBImage {
        try bytes.withUnsafeBytes { buffer in
            try decode(buffer: buffer, name: name, limits: limits, draft: draft)
        }
    }

    /// Decodes an image from raw memory, which must stay valid during the call.
    public static func decode(buffer: UnsafeRawBufferPointer, name: String = "<memory>",
                              limits: ImageLimits = .init(),
                              draft: (width: Int, height: Int)? = nil) throws -> RGBImage {
        try decoded(buffer: buffer, name: name, limits: limits, draft: draft).image
    }

    private static func decoded(buffer: UnsafeRawBufferPointer, name: String, limits: ImageLimits,
                                draft: (width: Int, height: Int)?) throws -> DecodedImage {
        if buffer.isEmpty {
            throw MediaError(path: name, kind: .emptyFile, reason: "empty file (0 bytes)")
        }
        if buffer.count > limits.maxFileBytes {
            throw MediaError(path: name, kind: .fileTooLarge,
                             reason: "file is \(byteCount(buffer.count)), above the limit of \(byteCount(limits.maxFileBytes))")
        }
        switch ImageFormat(sniffing: buffer) {
        case .jpeg:
            return try JPEGDecoding.decode(buffer, name: name, limits: limits, draft: draft)
        case .png:
            let image = try PNGDecoding.decode(buffer, name: name, limits: limits, draft: draft)
            return DecodedImage(image: image, fullSize: (image.width, image.height))
        case nil:
            throw MediaError(path: name, kind: .notAnImage,
                             reason: "not a PNG or JPEG image (\(ImageFormat.describePrefix(buffer)))")
        }
    }
}

/// A decoded image, perhaps decoded at a reduced DCT scale, with the upright size it has at
/// full scale.
public struct DecodedImage: Sendable {
    public let image: RGBImage
    /// Width and height of the upright image at full scale (equal to `image`'s unless JPEG DCT
    /// scaling reduced it).
    public let fullSize: (width: Int, height: Int)

    public init(image: RGBImage, fullSize: (width: Int, height: Int)) {
        self.image = image
        self.fullSize = fullSize
    }
}
