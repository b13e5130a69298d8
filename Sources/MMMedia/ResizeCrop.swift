extension RGBImage {
    /// Resized so that its shorter side is `size`, with torchvision's `Resize(size)` rule:
    /// the longer side becomes `int(size * long / short)` (truncated), and an image whose
    /// shorter side is already `size` is returned unchanged.
    public func resizedShortestSide(to size: Int, filter: ResampleFilter = .bilinear) -> RGBImage {
        precondition(size > 0, "resizedShortestSide: size must be positive, got \(size)")
        let (short, long) = width <= height ? (width, height) : (height, width)
        if short == size {
            return self
        }
        precondition(short > 0, "resizedShortestSide: empty image")
        // Python's int / int true division is correctly rounded, as is this one (both
        // operands are exact doubles); int() truncates.
        let newLong = Int(Double(size * long) / Double(short))
        let (newWidth, newHeight) = width <= height ? (size, newLong) : (newLong, size)
        return resized(width: newWidth, height: newHeight, filter: filter)
    }

    /// The central `width` x `height` region, with torchvision's `CenterCrop` rule:
    /// top = int(round((H - h) / 2.0)) and left likewise, rounding halves to even as Python
    /// does. Where the crop is larger than the image it pads with zeros first, (c - s) // 2
    /// before and the rest after, as torchvision does.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(cropWidth > 0 && cropHeight > 0,
                     "centerCropped: size must be positive, got \(cropWidth)x\(cropHeight)")
        // Offset of the crop's origin in the image (negative: zero padding before the image).
        func origin(_ size: Int, _ crop: Int) -> Int {
            if crop > size {
                return -((crop - size) / 2)
            }
            return Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
        }
        let left = origin(width, cropWidth)
        let top = origin(height, cropHeight)
        if left == 0 && top == 0 && cropWidth == width && cropHeight == height {
            return self
        }
        var output = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        // The part of the crop that lies inside the image.
        let x0 = max(left, 0), x1 = min(left + cropWidth, width)
        let y0 = max(top, 0), y1 = min(top + cropHeight, height)
        if x0 < x1 && y0 < y1 {
            let runBytes = (x1 - x0) * 3
            pixels.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { dst in
                    for y in y0..<y1 {
                        let from = (y * width + x0) * 3
                        let to = ((y - top) * cropWidth + (x0 - left)) * 3
                        UnsafeMutableRawPointer(dst.baseAddress! + to)
                            .copyMemory(from: src.baseAddress! + from, byteCount: runBytes)
                    }
                }
            }
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: output)
    }
}
