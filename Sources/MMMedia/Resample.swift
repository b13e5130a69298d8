/// A resampling filter of Pillow's `Image.resize`.
public enum ResampleFilter: String, Sendable, Hashable, CaseIterable {
    /// Triangle filter, support 1 (scaled by the reduction factor when shrinking).
    case bilinear
    /// Keys' cubic convolution with a = -0.5, support 2 (scaled when shrinking).
    case bicubic

    var support: Double {
        switch self {
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    /// The filter's weight at distance `x`, with Pillow's exact arithmetic.
    func weight(_ x: Double) -> Double {
        let x = x < 0 ? -x : x
        switch self {
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// Fixed-point coefficients for resampling one axis, computed as Pillow's `precompute_coeffs`
/// and `normalize_coeffs_8bpc` (src/libImaging/Resample.c) do: for output pixel i the source
/// range starts at `starts[i]`, holds `counts[i]` pixels, and the weights are
/// `weights[i * kernelSize ..< i * kernelSize + counts[i]]`, in units of 2^-22.
struct ResampleAxis {
    static let precisionBits = 32 - 8 - 2

    let kernelSize: Int
    let starts: [Int]
    let counts: [Int]
    let weights: [Int32]

    init(inSize: Int, outSize: Int, filter: ResampleFilter) {
        // The box is the whole image: in0 = 0, in1 = inSize.
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = filter.support * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](repeating: 0, count: outSize)
        var counts = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * kernelSize)
        var k = [Double](repeating: 0, count: kernelSize)
        let unit = Double(1 << ResampleAxis.precisionBits)
        for xx in 0..<outSize {
            let center = 0.0 + (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            // C's (int) conversion truncates toward zero, as Swift's does.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            let count = max(min(xmax, kernelSize), 0)
            var ww = 0.0
            for x in 0..<count {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<count where ww != 0 {
                k[x] /= ww
            }
            for x in 0..<count {
                let value = k[x] * unit
                weights[xx * kernelSize + x] = Int32(value < 0 ? -0.5 + value : 0.5 + value)
            }
            starts[xx] = xmin
            counts[xx] = count
        }
        self.kernelSize = kernelSize
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }
}

extension RGBImage {
    /// This image resized to `width` x `height` exactly like Pillow's
    /// `Image.resize((width, height), filter)` on an RGB image: the separable convolution with
    /// the filter's support widened by the reduction factor (antialiasing), coefficients in
    /// 22-bit fixed point, one pass per axis with an 8-bit image in between. The same size
    /// returns the image unchanged.
    ///
    /// The order of the passes changes the result (the intermediate image is rounded to 8
    /// bits). Like Pillow 13 (python-pillow/Pillow#9549), the horizontal pass runs first, over
    /// only the rows the vertical pass will read, unless the height shrinks by more than twice
    /// as many pixels as the width: then the vertical pass runs first.
    public func resized(width newWidth: Int, height newHeight: Int,
                        filter: ResampleFilter = .bilinear) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resized: size must be positive, got \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height {
            return self
        }
        let vertical = ResampleAxis(inSize: height, outSize: newHeight, filter: filter)
        let horizontal = newWidth == width ? nil : ResampleAxis(inSize: width, outSize: newWidth, filter: filter)
        let verticalFirst = newHeight < height && (height - newHeight) > 2 * (width - newWidth)

        if verticalFirst {
            let shrunk = verticalPass(vertical, rowStarts: vertical.starts, outHeight: newHeight)
            guard let horizontal else { return shrunk }
            return shrunk.horizontalPass(horizontal, rows: 0..<newHeight, outWidth: newWidth)
        }

        var source = self
        var rowStarts = vertical.starts
        if let horizontal {
            // Only the rows the vertical pass reads are resampled horizontally.
            let first = vertical.starts.first ?? 0
            let last = (vertical.starts.last ?? 0) + (vertical.counts.last ?? 0)
            source = horizontalPass(horizontal, rows: first..<max(last, first), outWidth: newWidth)
            for i in rowStarts.indices { rowStarts[i] -= first }
        }
        if newHeight == height {
            return source
        }
        return source.verticalPass(vertical, rowStarts: rowStarts, outHeight: newHeight)
    }

    private func horizontalPass(_ axis: ResampleAxis, rows: Range<Int>, outWidth: Int) -> RGBImage {
        let inStride = width * 3
        let count = outWidth * rows.count * 3
        let half = Int32(1 << (ResampleAxis.precisionBits - 1))
        let output = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            pixels.withUnsafeBufferPointer { src in
                axis.weights.withUnsafeBufferPointer { weights in
                    axis.starts.withUnsafeBufferPointer { starts in
                        axis.counts.withUnsafeBufferPointer { counts in
                            var o = 0
                            for y in rows {
                                let row = y * inStride
                                for xx in 0..<outWidth {
                                    let k = xx * axis.kernelSize
                                    var p = row + starts[xx] * 3
                                    var s0 = half, s1 = half, s2 = half
                                    for x in 0..<counts[xx] {
                                        let w = weights[k + x]
                                        s0 &+= Int32(src[p]) &* w
                                        s1 &+= Int32(src[p + 1]) &* w
                                        s2 &+= Int32(src[p + 2]) &* w
                                        p += 3
                                    }
                                    out[o] = clip8(s0)
                                    out[o + 1] = clip8(s1)
                                    out[o + 2] = clip8(s2)
                                    o += 3
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return RGBImage(width: outWidth, height: rows.count, pixels: output)
    }

    /// Pillow sums each output pixel down its column; accumulating whole rows instead gives
    /// the same integers (exact sums, no overflow) with contiguous, vectorisable loops.
    private func verticalPass(_ axis: ResampleAxis, rowStarts: [Int], outHeight: Int) -> RGBImage {
        let rowLength = width * 3
        let count = rowLength * outHeight
        let half = Int32(1 << (ResampleAxis.precisionBits - 1))
        var accumulator = [Int32](repeating: 0, count: rowLength)
        let output = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            pixels.withUnsafeBufferPointer { src in
                axis.weights.withUnsafeBufferPointer { weights in
                    accumulator.withUnsafeMutableBufferPointer { acc in
                        for yy in 0..<outHeight {
                            for i in 0..<rowLength { acc[i] = half }
                            let k = yy * axis.kernelSize
                            for y in 0..<axis.counts[yy] {
                                let w = weights[k + y]
                                let row = (rowStarts[yy] + y) * rowLength
                                for i in 0..<rowLength {
                                    acc[i] &+= Int32(src[row + i]) &* w
                                }
                            }
                            let o = yy * rowLength
                            for i in 0..<rowLength {
                                out[o + i] = clip8(acc[i])
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return RGBImage(width: width, height: outHeight, pixels: output)
    }
}

/// Pillow's clip8: the fixed-point sum shifted down (arithmetic shift), clamped to 0…255.
@inline(__always)
private func clip8(_ value: Int32) -> UInt8 {
    let v = value >> Int32(ResampleAxis.precisionBits)
    return v < 0 ? 0 : v > 255 ? 255 : UInt8(truncatingIfNeeded: v)
}
