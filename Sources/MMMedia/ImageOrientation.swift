/// The EXIF Orientation tag (TIFF tag 274): how the stored pixels must be turned to be seen
/// upright. The names say where the stored image's top row ends up.
public enum ImageOrientation: Int, Sendable, CaseIterable {
    /// 1: stored upright.
    case up = 1
    /// 2: mirrored left-right.
    case upMirrored = 2
    /// 3: rotated 180 degrees.
    case down = 3
    /// 4: mirrored top-bottom.
    case downMirrored = 4
    /// 5: transposed (mirrored across the main diagonal).
    case leftMirrored = 5
    /// 6: must be turned 90 degrees clockwise (a phone held upright).
    case right = 6
    /// 7: transversed (mirrored across the anti-diagonal).
    case rightMirrored = 7
    /// 8: must be turned 90 degrees counter-clockwise.
    case left = 8

    /// Whether showing the image swaps its width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }
}

extension RGBImage {
    /// The image turned upright for `orientation`, exactly as `PIL.ImageOps.exif_transpose`
    /// does (2: FLIP_LEFT_RIGHT, 3: ROTATE_180, 4: FLIP_TOP_BOTTOM, 5: TRANSPOSE,
    /// 6: ROTATE_270, 7: TRANSVERSE, 8: ROTATE_90).
    public func oriented(_ orientation: ImageOrientation) -> RGBImage {
        if orientation == .up || width == 0 || height == 0 {
            return self
        }
        let w = width
        let h = height
        // Source pixel index of output (x, y) is start + x * stepX + y * stepY.
        let (start, stepX, stepY): (Int, Int, Int)
        switch orientation {
        case .up: (start, stepX, stepY) = (0, 1, w)
        case .upMirrored: (start, stepX, stepY) = (w - 1, -1, w)
        case .down: (start, stepX, stepY) = ((h - 1) * w + w - 1, -1, -w)
        case .downMirrored: (start, stepX, stepY) = ((h - 1) * w, 1, -w)
        case .leftMirrored: (start, stepX, stepY) = (0, w, 1)
        case .right: (start, stepX, stepY) = ((h - 1) * w, -w, 1)
        case .rightMirrored: (start, stepX, stepY) = ((h - 1) * w + w - 1, -w, -1)
        case .left: (start, stepX, stepY) = (w - 1, w, -1)
        }
        let outWidth = orientation.swapsDimensions ? h : w
        let outHeight = orientation.swapsDimensions ? w : h
        let count = outWidth * outHeight * 3
        let output = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            pixels.withUnsafeBufferPointer { src in
                guard let source = src.baseAddress, let target = out.baseAddress else { return }
                // Tiles keep the column-wise reads of a rotation inside the cache.
                let tile = 64
                let sourceStep = stepX * 3
                for y0 in stride(from: 0, to: outHeight, by: tile) {
                    for x0 in stride(from: 0, to: outWidth, by: tile) {
                        let run = min(x0 + tile, outWidth) - x0
                        for y in y0..<min(y0 + tile, outHeight) {
                            var s = source + (start + x0 * stepX + y * stepY) * 3
                            var o = target + (y * outWidth + x0) * 3
                            for _ in 0..<run {
                                o[0] = s[0]
                                o[1] = s[1]
                                o[2] = s[2]
                                s += sourceStep
                                o += 3
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: output)
    }
}
