import CKernels
import Foundation
@testable import MMTensor
import Testing

/// The int8 products (`QuantizedWeights`, CKernels' `mm_q8_*`) against products computed here in
/// double precision, on every code path this CPU has (AVX-512 VNNI, AVX2, and always plain C).
@Suite(.serialized) struct Int8ProductTests {
    /// This test's own reading of the format: spans of `span` inner values (32, or the whole
    /// row), scale max|v| / 127, codes rounded half to even. Returns the dequantised values.
    static func dequantised(_ v: ArraySlice<Float>, span: Int) -> [Double] {
        var out: [Double] = []
        let values = Array(v)
        for start in stride(from: 0, to: values.count, by: span) {
            let block = values[start..<min(values.count, start + span)]
            let amax = block.map(abs).max() ?? 0
            let inverse: Float = amax > 0 ? 127 / amax : 0
            let scale = amax / 127
            out += block.map { Double(scale) * Double(($0 * inverse).rounded(.toNearestOrEven)) }
        }
        return out
    }

    /// The paths to test: each cap of `mm_q8_limit_isa` that gives a different kernel.
    static func paths() -> [(cap: Int32, name: String)] {
        var seen: [(Int32, String)] = []
        for cap: Int32 in [0, 1, 2] {
            mm_q8_limit_isa(cap)
            let name = QuantizedWeights.isa
            if !seen.contains(where: { $0.1 == name }) { seen.append((cap, name)) }
        }
        mm_q8_limit_isa(0)
        return seen
    }

    func product(_ layer: QuantizedWeights, _ x: [Float], rows: Int, ldx: Int, y: inout [Float], ldy: Int,
                 accumulate: Bool, threads: Int = 1) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                layer.product(xp.baseAddress!, rows: rows, ldx: ldx, accumulate: accumulate,
                              into: yp.baseAddress!, ldy: ldy, threads: threads)
            }
        }
    }

    @Test func everyPathMatchesDoubleProductsOfTheQuantisedValuesOnRaggedShapes() {
        let paths = Self.paths()
        #expect(paths.contains { $0.name == "portable" })
        var rng = SplitMix(state: 12)
        let shapes = [(1, 1, 1), (1, 31, 15), (2, 32, 16), (3, 33, 17), (5, 100, 40), (8, 64, 33),
                      (9, 384, 48), (17, 97, 5), (12, 768, 70), (4, 3, 129), (3, 1000, 20)]
        defer { mm_q8_limit_isa(0) }
        for (cap, name) in paths {
            mm_q8_limit_isa(cap)
            #expect(QuantizedWeights.isa == name)
            for ((m, k, n), scales) in shapes.flatMap({ shape in [Int8Scales.perRow, .perBlock].map { (shape, $0) } }) {
                // Rows with a few large values, as transformers' activations have.
                let ldx = k + 3, ldy = n + 2
                var x = rng.array(m * ldx)
                for i in stride(from: 0, to: x.count, by: 37) { x[i] *= 20 }
                let w = rng.array(n * k)
                let layer = w.withUnsafeBufferPointer { QuantizedWeights(weight: $0.baseAddress!, inFeatures: k, outFeatures: n, scales: scales) }
                let initial = rng.array(m * ldy)
                var y = initial
                product(layer, x, rows: m, ldx: ldx, y: &y, ldy: ldy, accumulate: false)
                var added = initial
                product(layer, x, rows: m, ldx: ldx, y: &added, ldy: ldy, accumulate: true)
                let span = scales == .perBlock ? 32 : max(k, 1)
                let wq = (0..<n).map { Self.dequantised(w[($0 * k)..<(($0 + 1) * k)], span: span) }
                var worst = 0.0, worstQuantisation = 0.0
                for r in 0..<m {
                    let xq = Self.dequantised(x[(r * ldx)..<(r * ldx + k)], span: span)
                    for o in 0..<n {
                        var exact = 0.0, magnitude = 0.0, unquantised = 0.0
                        for i in 0..<k {
                            exact += xq[i] * wq[o][i]
                            magnitude += abs(xq[i] * wq[o][i])
                            unquantised += Double(x[r * ldx + i]) * Double(w[o * k + i])
                        }
                        let tolerance = 1e-5 * max(magnitude, 1e-3)
                        worst = max(worst, abs(Double(y[r * ldy + o]) - exact) / tolerance)
                        worst = max(worst, abs(Double(added[r * ldy + o]) - exact - Double(initial[r * ldy + o])) / tolerance)
                        worstQuantisation = max(worstQuantisation, abs(exact - unquantised) / max(magnitude, 1e-3))
                    }
                    // Columns past n and the row stride's gap are never written.
                    for o in n..<ldy {
                        #expect(y[r * ldy + o] == initial[r * ldy + o], "\(name) \(m)x\(k)x\(n) wrote column \(o)")
                    }
                }
                #expect(worst <= 1, "\(name) \(scales) \(m)x\(k)x\(n): \(worst) × the f32 rounding tolerance")
                // And the quantisation itself is small against the products' size.
                #expect(worstQuantisation < (scales == .perBlock ? 0.1 : 0.5), "\(name) \(scales) \(m)x\(k)x\(n): quantisation error \(worstQuantisation)")
                // The dequantised weights are what the products use.
                let unpacked = layer.unpacked()
                #expect(zip(unpacked, wq.flatMap { $0 }).allSatisfy { abs(Double($0) - $1) <= 1e-6 * max(1, abs($1)) })
            }
        }
    }

    @Test func threadsShareOutPanelsWithTheSameNumbersAsOne() {
        var rng = SplitMix(state: 13)
        let (m, k, n) = (40, 384, 1000)
        let x = rng.array(m * k), w = rng.array(n * k)
        let layer = w.withUnsafeBufferPointer { QuantizedWeights(weight: $0.baseAddress!, inFeatures: k, outFeatures: n, scales: .perBlock) }
        var one = [Float](repeating: 0, count: m * n), two = one
        product(layer, x, rows: m, ldx: k, y: &one, ldy: n, accumulate: false, threads: 1)
        product(layer, x, rows: m, ldx: k, y: &two, ldy: n, accumulate: false, threads: 2)
        #expect(one == two)
    }

    @Test func anInt8LinearLayerAddsItsBiasAndKeepsItsPrecision() {
        var rng = SplitMix(state: 14)
        let (rows, k, n) = (6, 70, 20)
        let x = rng.array(rows * k), w = rng.array(n * k), b = rng.array(n)
        let f32 = Linear(weight: w, bias: b, inFeatures: k, outFeatures: n)
        let int8 = Linear(weight: w, bias: b, inFeatures: k, outFeatures: n, precision: .int8)
        #expect(int8.precision == .int8 && f32.precision == .f32)
        var y8 = [Float](repeating: 0, count: rows * n), y32 = y8
        x.withUnsafeBufferPointer { xp in
            y8.withUnsafeMutableBufferPointer { int8.forward(xp.baseAddress!, rows: rows, into: $0.baseAddress!) }
            y32.withUnsafeMutableBufferPointer { f32.forward(xp.baseAddress!, rows: rows, into: $0.baseAddress!) }
        }
        // Within the quantisation's error (a few hundredths on sums of 70 products of size ~0.3),
        // and not the f32 numbers themselves.
        #expect(maxDiff(y8, y32) < 0.05)
        #expect(y8 != y32)
        let stacked = Linear(concatenating: [int8, int8])
        #expect(stacked.precision == .int8 && stacked.outFeatures == 2 * n)
    }
}
