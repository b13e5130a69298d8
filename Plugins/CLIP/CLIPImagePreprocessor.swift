import MMTensor
import MMMedia

/// An RGB image to CLIP's input tensor exactly as transformers' `CLIPImageProcessor` with its
/// PIL backend (`CLIPImageProcessorPil`, what `CLIPImageProcessor` is when torchvision is not
/// installed, and OpenAI's own preprocessing) computes it (image_processing_backends.py,
/// `PilBackend._preprocess`, and image_transforms.py):
///
/// 1. resize with Pillow (bicubic for CLIP) so the shorter side is `size`, the longer
///    `int(size · long / short)` (`get_resize_output_image_size`);
/// 2. centre crop: the crop starts at `(side - crop) // 2` (floor, unlike torchvision's
///    rounding); a side shorter than the crop is padded with zeros, `ceil((crop - side) / 2)`
///    of them before it (`image_transforms.center_crop`);
/// 3. rescale: `float32(byte · float64(1/255))` (`rescale` upcasts to float64 first);
/// 4. normalise in float32: `(x - mean) / std`.
///
/// Steps 3 and 4 depend only on the byte and the channel, so they are one table lookup; the
/// result is bit-identical to the reference.
public struct CLIPImagePreprocessor: Sendable {
    public let config: CLIPImageProcessorConfig
    /// `table[c · 256 + byte]`: the normalised value of `byte` in channel `c`.
    private let table: [Float]

    /// The largest resized image accepted, in pixels: a very thin image would otherwise be
    /// resized to an enormous one before the crop. The decoder's bound
    /// (`ImageLimits.defaultMaxResizedPixels`, 16 MP), here for images handed over in memory.
    public static let maxResizedPixels = ImageLimits.defaultMaxResizedPixels

    public init(config: CLIPImageProcessorConfig) {
        self.config = config
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            let mean = Float(config.image_mean[c]), std = Float(config.image_std[c])
            for v in 0..<256 {
                var x = config.do_rescale ? Float(Double(v) * config.rescale_factor) : Float(v)
                if config.do_normalize { x = (x - mean) / std }
                table[c * 256 + v] = x
            }
        }
        self.table = table
    }

    /// Width and height of the output tensor.
    public var outputSize: (width: Int, height: Int)? {
        if config.do_center_crop { return (config.crop_width, config.crop_height) }
        if config.do_resize, case .exact(let h, let w) = config.size { return (w, h) }
        return nil
    }

    /// The image resized and cropped (steps 1 and 2).
    ///
    /// `fullSize`: the size the image has at full scale when it was decoded smaller (JPEG DCT
    /// scaling); the resize target is then computed from it, so the result has the geometry
    /// (resized size, crop offsets) the full-scale image would have had.
    public func resizedAndCropped(_ image: RGBImage, fullSize: (width: Int, height: Int)? = nil) throws -> RGBImage {
        guard image.width > 0, image.height > 0 else {
            throw InputError("the image is empty (\(image.width)x\(image.height))")
        }
        var image = image
        if config.do_resize {
            var full = (width: image.width, height: image.height)
            if let fullSize, fullSize.width > 0, fullSize.height > 0 { full = fullSize }
            let (width, height) = resizedSize(width: full.width, height: full.height)
            guard width > 0, height > 0, width * height <= Self.maxResizedPixels else {
                throw InputError("a \(image.width)x\(image.height) image cannot be resized to \(width)x\(height)")
            }
            image = image.resized(width: width, height: height, filter: config.resample == 2 ? .bilinear : .bicubic)
        }
        if config.do_center_crop {
            image = Self.centerCropped(image, width: config.crop_width, height: config.crop_height)
        }
        return image
    }

    /// CHW float tensor of the image (all steps), written into `out` (`3 · width · height` of
    /// `outputSize`); throws if the image does not come out at that size.
    public func pixelValues(_ image: RGBImage, fullSize: (width: Int, height: Int)? = nil,
                            into out: UnsafeMutableBufferPointer<Float>) throws {
        try normalize(resizedAndCropped(image, fullSize: fullSize), into: out)
    }

    /// The JPEG decoding scale to ask for (Pillow's `draft` size): at least twice the resize
    /// target on both sides, so libjpeg's DCT scaling only removes detail the bicubic resize
    /// would remove anyway (on Media/'s photos: mean |Δ| 0.13 of 255 after preprocessing,
    /// against 0.66 at once the target), and much of a large photo's decoding time.
    public var draftSize: (width: Int, height: Int)? {
        guard config.do_resize else { return nil }
        switch config.size {
        case .shortestEdge(let side): return (2 * side, 2 * side)
        case .exact(let h, let w): return (2 * w, 2 * h)
        }
    }

    /// The tensor as an array, `[3, height, width]`.
    public func pixelValues(_ image: RGBImage) throws -> [Float] {
        let cropped = try resizedAndCropped(image)
        var out = [Float](repeating: 0, count: 3 * cropped.width * cropped.height)
        try out.withUnsafeMutableBufferPointer { try normalize(cropped, into: $0) }
        return out
    }

    /// Steps 3 and 4, planar.
    private func normalize(_ image: RGBImage, into out: UnsafeMutableBufferPointer<Float>) throws {
        let plane = image.width * image.height
        guard out.count == 3 * plane else {
            throw InputError("the preprocessed image is \(image.width)x\(image.height), the model needs \(out.count / 3) pixels")
        }
        table.withUnsafeBufferPointer { lut in
            image.pixels.withUnsafeBufferPointer { rgb in
                for i in 0..<plane {
                    out[i] = lut[Int(rgb[3 * i])]
                    out[plane + i] = lut[256 + Int(rgb[3 * i + 1])]
                    out[2 * plane + i] = lut[512 + Int(rgb[3 * i + 2])]
                }
            }
        }
    }

    /// Step 1's target: `size` on the shorter side, `int(size · long / short)` on the other
    /// (Python's correctly rounded division, then truncation), or the exact size.
    func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        switch config.size {
        case .exact(let h, let w):
            return (w, h)
        case .shortestEdge(let size):
            let (short, long) = width <= height ? (width, height) : (height, width)
            let newLong = Int(Double(size * long) / Double(short))
            return width <= height ? (size, newLong) : (newLong, size)
        }
    }

    /// Step 2, `CLIPImageProcessor`'s centre crop (image_transforms.center_crop): along each
    /// axis the crop starts at `(side - crop) // 2`, or, where the side is shorter than the crop,
    /// the image sits after `ceil((crop - side) / 2)` zero pixels.
    public static func centerCropped(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        // Source coordinate of output coordinate 0 on an axis (negative: zero padding first).
        func origin(_ side: Int, _ crop: Int) -> Int {
            crop <= side ? (side - crop) / 2 : -((crop - side + 1) / 2)
        }
        let left = origin(image.width, width), top = origin(image.height, height)
        if left == 0 && top == 0 && width == image.width && height == image.height { return image }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let x0 = max(0, -left), x1 = min(width, image.width - left)
        let y0 = max(0, -top), y1 = min(height, image.height - top)
        if x0 < x1 {
            image.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in max(0, y0)..<max(y0, y1) {
                        let from = ((y + top) * image.width + x0 + left) * 3
                        (dst.baseAddress! + (y * width + x0) * 3)
                            .update(from: src.baseAddress! + from, count: (x1 - x0) * 3)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
