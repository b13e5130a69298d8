import CCodecs
import Foundation

/// Small JPEG previews of image files, for the web service's thumbnail endpoint.
///
/// A JPEG is decoded with libjpeg's DCT scaling at the smallest scale (1/2, 1/4 or 1/8) whose
/// output is still at least the thumbnail's size, so a 12 MP photo never becomes 12 MP of
/// pixels; a PNG is decoded in full. The upright image (EXIF orientation applied, as
/// `ImageDecoder` does) is shrunk with Pillow's antialiased bicubic filter so that its long
/// side is `size` (a smaller image keeps its size), then encoded as a baseline JPEG.
///
/// Input is refused as `ImageDecoder` refuses it (same `MediaError`s, `ImageLimits` checked from
/// the header before any pixel is decoded). Safe to call from several threads at once.
public enum Thumbnail {
    /// The sizes accepted, in pixels on the long side.
    public static let sizes = 16...4096

    /// A JPEG of the image at `url`, at most `size`×`size` pixels, aspect kept, EXIF orientation
    /// applied.
    ///
    /// - Parameters:
    ///   - size: the long side of the thumbnail, in `sizes`.
    ///   - quality: libjpeg's quality, 1...100.
    ///   - limits: as for indexing; `maxResizedPixels` bounds the thumbnail itself.
    /// - Throws: `MediaError`, whose message starts with the path as `url` gives it.
    public static func jpeg(contentsOf url: URL, size: Int, quality: Int = 82,
                            limits: ImageLimits = .init()) throws -> [UInt8] {
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        try checkArguments(size: size, quality: quality, name: name)
        let bytes = try FileBytes.load(path: url.path, name: name, maxBytes: limits.maxFileBytes)
        return try JPEGEncoding.encode(render(bytes, name: name, size: size, limits: limits).image,
                                       quality: quality, name: name)
    }

    /// Like `jpeg(contentsOf:size:quality:limits:)` for an image held in memory (an upload);
    /// `name` stands for the file in error messages.
    public static func jpeg(bytes: [UInt8], name: String, size: Int, quality: Int = 82,
                            limits: ImageLimits = .init()) throws -> [UInt8] {
        try checkArguments(size: size, quality: quality, name: name)
        return try JPEGEncoding.encode(render(bytes, name: name, size: size, limits: limits).image,
                                       quality: quality, name: name)
    }

    /// The pixels `jpeg(contentsOf:size:quality:limits:)` would encode: the upright image, its
    /// long side `size` (a smaller image keeps its size), decoded with DCT scaling. For callers
    /// that encode it their own way (`TerminalPicture`).
    ///
    /// - Throws: `MediaError`, whose message starts with the path as `url` gives it.
    public static func image(contentsOf url: URL, size: Int, limits: ImageLimits = .init()) throws -> RGBImage {
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        try checkArguments(size: size, quality: 100, name: name)
        let bytes = try FileBytes.load(path: url.path, name: name, maxBytes: limits.maxFileBytes)
        return try render(bytes, name: name, size: size, limits: limits).image
    }

    /// A thumbnail before encoding.
    struct Rendered {
        let image: RGBImage
        /// The DCT scale denominator the JPEG was decoded at (1, 2, 4 or 8); 1 for PNG.
        let dctScale: Int
    }

    /// The thumbnail's pixels; `size` must be in `sizes`.
    static func render(_ bytes: [UInt8], name: String, size: Int, limits: ImageLimits) throws -> Rendered {
        let decoded = try bytes.withUnsafeBytes { buffer in
            guard ImageFormat(sniffing: buffer) == .jpeg, buffer.count <= limits.maxFileBytes else {
                // A PNG, or input that ImageDecoder refuses with its own error.
                let image = try ImageDecoder.decode(buffer: buffer, name: name, limits: limits)
                return DecodedImage(image: image, fullSize: (image.width, image.height))
            }
            // libjpeg picks the scale from the draft size as Pillow's `draft` does: the largest of
            // 8, 4, 2, 1 not above min(W / w, H / h). The thumbnail's own size (stored
            // orientation; the short side rounded down) makes that the long side's ratio. Its
            // pixels are checked here, before decoding, so that the decoder's own check of the
            // draft (worded for a resize of the short side) never answers first.
            let stored = try storedSize(ofJPEG: buffer, name: name, limits: limits)
            let draft = try shrunkSize(stored, to: size, limits: limits, name: name)
            return try JPEGDecoding.decode(buffer, name: name, limits: limits, draft: draft)
        }
        var image = decoded.image
        if let target = try shrunkSize(decoded.fullSize, to: size, limits: limits, name: name) {
            image = image.resized(width: target.width, height: target.height, filter: .bicubic)
        }
        // libjpeg's output is ceil(L / scale) on a long side L; as L >= 16 * scale whenever
        // scale > 1, rounding L / output up gives the scale back exactly.
        let long = max(decoded.fullSize.width, decoded.fullSize.height)
        let decodedLong = max(decoded.image.width, decoded.image.height)
        return Rendered(image: image, dctScale: (long + decodedLong - 1) / decodedLong)
    }

    /// The thumbnail's size for an image of `size.width` x `size.height`: the long side `side`,
    /// the short one in proportion (rounded down, at least 1); nil when the image is no larger
    /// (never enlarged). A thumbnail above `limits.maxResizedPixels` is refused.
    private static func shrunkSize(_ size: (width: Int, height: Int), to side: Int, limits: ImageLimits,
                                   name: String) throws -> (width: Int, height: Int)? {
        let long = max(size.width, size.height)
        guard long > side else { return nil }
        let short = max(1, min(size.width, size.height) * side / long)
        guard side * short <= limits.maxResizedPixels else {
            throw MediaError(path: name, kind: .tooManyPixels,
                             reason: "a \(side)-pixel thumbnail would be \(megapixels(side * short)), "
                                + "above the limit of \(megapixels(limits.maxResizedPixels))")
        }
        return size.width >= size.height ? (side, short) : (short, side)
    }

    /// The size a JPEG's header declares, refused as the decoder refuses it (damaged, above
    /// `limits.maxPixels`).
    private static func storedSize(ofJPEG buffer: UnsafeRawBufferPointer, name: String,
                                   limits: ImageLimits) throws -> (width: Int, height: Int) {
        var handle: OpaquePointer?
        var header = mm_image_header()
        let (status, message) = ShimCall.withMessage { text, capacity in
            mm_jpeg_open(buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count,
                         UInt64(max(limits.maxPixels, 0)), 0, 0, &handle, &header, text, capacity)
        }
        guard status == MM_OK, let decoder = handle else {
            throw CodecCall.error(status, message: message, header: header, format: .jpeg, name: name, limits: limits)
        }
        mm_jpeg_close(decoder)
        return (Int(header.stored_width), Int(header.stored_height))
    }

    private static func checkArguments(size: Int, quality: Int, name: String) throws {
        guard sizes.contains(size) else {
            throw MediaError(path: name, kind: .unsupported,
                             reason: "thumbnail size \(size) is outside \(sizes.lowerBound)...\(sizes.upperBound) pixels")
        }
        guard (1...100).contains(quality) else {
            throw MediaError(path: name, kind: .unsupported, reason: "JPEG quality \(quality) is outside 1...100")
        }
    }
}
