/// Per-vector int8 quantisation: `scale = max|x| / 127`, `code = round(x / scale)`, so every
/// code lies in [-127, 127] and `|x - code × scale| ≤ scale / 2`. The fast scan relies on that
/// bound to know how far a quantised score can be from the exact one (see `QuantizedScan`).
enum Quantizer {
    /// Quantises `vector` into `codes` (as many as `vector` has values) and returns the scale;
    /// 0 for an all-zero vector or one with a NaN or infinite value (every code 0: a damaged
    /// master row gives a neutral int8 row, and search drops it when rescoring).
    static func quantize(_ vector: UnsafeBufferPointer<Float>, into codes: UnsafeMutablePointer<Int8>) -> Float {
        var largest: Float = 0
        var finite = true
        for value in vector {
            finite = finite && value.isFinite
            largest = max(largest, abs(value))
        }
        guard finite, largest > 0, largest.isFinite else {
            codes.update(repeating: 0, count: vector.count)
            return 0
        }
        let scale = largest / 127
        let inverse = 1 / scale
        for (i, value) in vector.enumerated() {
            let code = (value * inverse).rounded(.toNearestOrEven)
            codes[i] = Int8(max(-127, min(127, code)))
        }
        return scale
    }

    /// `vector` quantised: the codes and the scale.
    static func quantize(_ vector: [Float]) -> (codes: [Int8], scale: Float) {
        var codes = [Int8](repeating: 0, count: vector.count)
        let scale = vector.withUnsafeBufferPointer { v in
            codes.withUnsafeMutableBufferPointer { quantize(v, into: $0.baseAddress!) }
        }
        return (codes, scale)
    }
}
