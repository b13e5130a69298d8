/// Dot products of float vectors with 16-wide SIMD; unit vectors give cosine similarity.
enum DotProduct {
    /// `Σ a[i]·b[i]` for `count` elements.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD16<Float>()
        var acc1 = SIMD16<Float>()
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        let stride = MemoryLayout<SIMD16<Float>>.size
        var i = 0
        while i + 32 <= count {
            let offset = i * 4
            acc0 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: offset + stride, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset + stride, as: SIMD16<Float>.self)
            i += 32
        }
        if i + 16 <= count {
            let offset = i * 4
            acc0 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
