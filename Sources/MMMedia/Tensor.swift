extension RGBImage {
    /// The image as a planar float32 tensor [3, height, width] (all of R, then G, then B), with
    /// x = (p / 255 - mean[c]) / std[c] computed in float32 exactly like torchvision's
    /// `ToTensor()` followed by `Normalize(mean, std)` (bit-identical: a division, never a
    /// multiplication by a reciprocal).
    public func chwTensor(mean: [Float], std: [Float]) -> [Float] {
        let count = width * height * 3
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            chwTensor(mean: mean, std: std, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initialized = count
        }
    }

    /// Writes `chwTensor(mean:std:)` into `output` (exactly `3 * width * height` floats), e.g.
    /// one image's slot in a batch tensor, without allocating.
    public func chwTensor(mean: [Float], std: [Float], into output: UnsafeMutableBufferPointer<Float>) {
        precondition(mean.count == 3 && std.count == 3, "chwTensor: mean and std need 3 values each")
        let plane = width * height
        precondition(output.count == plane * 3,
                     "chwTensor: output holds \(output.count) floats, needs \(plane * 3)")
        // Each channel's value depends only on the byte: one 256-entry table per channel.
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 {
                table[c * 256 + v] = (Float(v) / 255 - mean[c]) / std[c]
            }
        }
        guard plane > 0, let out = output.baseAddress else { return }
        table.withUnsafeBufferPointer { lut in
            pixels.withUnsafeBufferPointer { src in
                for i in 0..<plane {
                    out[i] = lut[Int(src[3 * i])]
                    out[plane + i] = lut[256 + Int(src[3 * i + 1])]
                    out[2 * plane + i] = lut[512 + Int(src[3 * i + 2])]
                }
            }
        }
    }
}
