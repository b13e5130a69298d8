import CKernels
import Foundation
@testable import MMTensor
import Testing

/// A deterministic pseudo-random generator (SplitMix64), so failures reproduce.
struct SplitMix {
    var state: UInt64
    mutating func next() -> Float {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        z ^= z >> 31
        return Float(Double(z >> 11) / Double(1 << 53)) * 2 - 1
    }
    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

struct KernelTests {
    @Test func linearComputesXTimesWTransposedPlusBias() {
        var rng = SplitMix(state: 1)
        let (rows, inF, outF) = (5, 7, 3)
        let x = rng.array(rows * inF), w = rng.array(outF * inF), b = rng.array(outF)
        let layer = Linear(weight: w, bias: b, inFeatures: inF, outFeatures: outF)
        var y = [Float](repeating: .nan, count: rows * outF)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { layer.forward(xp.baseAddress!, rows: rows, into: $0.baseAddress!) } }
        var expected = [Float](repeating: 0, count: rows * outF)
        for r in 0..<rows {
            for o in 0..<outF {
                var s = b[o]
                for i in 0..<inF { s += x[r * inF + i] * w[o * inF + i] }
                expected[r * outF + o] = s
            }
        }
        #expect(maxDiff(y, expected) < 1e-5)
    }

    @Test func quickGELUMatchesTheDefinitionInDoubleAcrossItsRange() {
        var rng = SplitMix(state: 3)
        var x = rng.array(4001).map { $0 * 12 } + [-200, -90, -52, -51.5, -0.0, 0, 1e-30, 51.5, 52, 90, 200]
        let expected = x.map { v -> Double in let d = Double(v); return d / (1 + Foundation.exp(-1.702 * d)) }
        x.withUnsafeMutableBufferPointer { Ops.quickGELU($0.baseAddress!, count: $0.count) }
        let worst = zip(x, expected).map { abs(Double($0) - $1) / max(1e-3, abs($1)) }.max()!
        #expect(worst < 1e-6, "relative error \(worst)")
        // Large negative inputs give -0 (or a tiny negative), never NaN.
        #expect(x.allSatisfy { $0.isFinite })
    }

    @Test func layerNormMatchesTheDefinition() {
        var rng = SplitMix(state: 2)
        let (rows, dim) = (3, 16)
        var x = rng.array(rows * dim).map { $0 * 4 + 1 }
        let gamma = rng.array(dim), beta = rng.array(dim)
        var expected = x
        for r in 0..<rows {
            let row = Array(x[(r * dim)..<((r + 1) * dim)]).map(Double.init)
            let mean = row.reduce(0, +) / Double(dim)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dim)
            for j in 0..<dim {
                expected[r * dim + j] = Float((row[j] - mean) / (variance + 1e-12).squareRoot()) * gamma[j] + beta[j]
            }
        }
        x.withUnsafeMutableBufferPointer { xp in
            gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
                Ops.layerNorm(xp.baseAddress!, rows: rows, dim: dim, gamma: g.baseAddress!, beta: b.baseAddress!, eps: 1e-12)
            } }
        }
        #expect(maxDiff(x, expected) < 1e-5)
    }

    @Test func geluIsTheErfFormWithin1_5e6AndAValueDoesNotDependOnItsPlace() {
        var x: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 3]
        // Φ(x) values from the normal distribution.
        let expected: [Float] = [-0.0040496, -0.1586553, -0.1542687, 0, 0.3457313, 0.8413447, 2.9959504]
        x.withUnsafeMutableBufferPointer { Ops.gelu($0.baseAddress!, count: $0.count) }
        #expect(maxDiff(x, expected) < 1e-6)

        // A dense grid over [-12, 12] against erf in Double; odd counts leave a scalar tail.
        let grid = (0..<240_007).map { Float(-12 + 24 * Double($0) / 240_006) }
        var got = grid
        got.withUnsafeMutableBufferPointer { Ops.gelu($0.baseAddress!, count: $0.count) }
        var worst = 0.0
        for (v, g) in zip(grid, got) {
            let exact = 0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot()))
            worst = max(worst, abs(Double(g) - exact))
        }
        #expect(worst < 1.5e-6, "max |Δ| = \(worst)")
        // Each value alone (the scalar path) is the number it got among the others.
        for i in stride(from: 0, to: grid.count, by: 997) {
            var alone = grid[i]
            Ops.gelu(&alone, count: 1)
            #expect(alone.bitPattern == got[i].bitPattern, "\(grid[i])")
        }
    }

    @Test func softmaxRowsSumToOneAndSurviveLargeValues() {
        var x: [Float] = [1000, 1001, 1002, -5, 0, 5]
        x.withUnsafeMutableBufferPointer { Ops.softmaxRows($0.baseAddress!, rows: 2, cols: 3) }
        #expect(abs(x[0...2].reduce(0, +) - 1) < 1e-6)
        #expect(abs(x[3...5].reduce(0, +) - 1) < 1e-6)
        #expect(abs(x[2] - 0.66524096) < 1e-6)
    }

    @Test func samePaddingPutsTheOddPixelAfterLikeTensorFlow() {
        #expect(Padding2D.same(height: 224, width: 224, kernel: 3, stride: 2) == Padding2D(top: 0, left: 0, bottom: 1, right: 1))
        #expect(Padding2D.same(height: 56, width: 56, kernel: 5, stride: 2) == Padding2D(top: 1, left: 1, bottom: 2, right: 2))
        #expect(Padding2D.same(height: 14, width: 14, kernel: 5, stride: 1) == Padding2D(top: 2, left: 2, bottom: 2, right: 2))
        #expect(Padding2D.same(height: 7, width: 9, kernel: 1, stride: 1) == .zero)
    }

    /// Direct convolution, the definition, for checking the fast paths; NHWC in and out.
    static func naiveConv(_ x: [Float], batch: Int, inC: Int, h: Int, w: Int, weight: [Float], bias: [Float],
                          outC: Int, k: Int, stride: Int, groups: Int, pad: Padding2D) -> [Float] {
        let o = pad.outputSize(height: h, width: w, kernel: k, stride: stride)
        var y = [Float](repeating: 0, count: outC * batch * o.height * o.width)
        let inPerGroup = inC / groups, outPerGroup = outC / groups
        for oc in 0..<outC {
            let g = oc / outPerGroup
            for n in 0..<batch {
                for oy in 0..<o.height {
                    for ox in 0..<o.width {
                        var s = bias[oc]
                        for icg in 0..<inPerGroup {
                            let ic = g * inPerGroup + icg
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * stride - pad.top + ky, ix = ox * stride - pad.left + kx
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    s += weight[((oc * inPerGroup + icg) * k + ky) * k + kx] * x[((n * h + iy) * w + ix) * inC + ic]
                                }
                            }
                        }
                        y[((n * o.height + oy) * o.width + ox) * outC + oc] = s
                    }
                }
            }
        }
        return y
    }

    @Test(arguments: [(3, 2), (3, 1), (1, 1), (5, 2)])
    func denseConvolutionMatchesTheDefinitionOnABatch(kernel: Int, stride: Int) {
        var rng = SplitMix(state: 3)
        let (batch, inC, outC, h, w) = (2, 3, 4, 9, 8)
        let x = rng.array(inC * batch * h * w), weight = rng.array(outC * inC * kernel * kernel), bias = rng.array(outC)
        let conv = Conv2D(weight: weight, bias: bias, inChannels: inC, outChannels: outC, kernel: kernel, stride: stride)
        let pad = Padding2D.same(height: h, width: w, kernel: kernel, stride: stride)
        let o = pad.outputSize(height: h, width: w, kernel: kernel, stride: stride)
        var y = [Float](repeating: .nan, count: outC * batch * o.height * o.width)
        var scratch = [Float](repeating: 0, count: max(1, conv.scratchCount(batch: batch, height: h, width: w, padding: pad)))
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in scratch.withUnsafeMutableBufferPointer { sp in
            conv.forward(xp.baseAddress!, batch: batch, height: h, width: w, padding: pad, into: yp.baseAddress!, scratch: sp.baseAddress!)
        } } }
        let expected = Self.naiveConv(x, batch: batch, inC: inC, h: h, w: w, weight: weight, bias: bias,
                                      outC: outC, k: kernel, stride: stride, groups: 1, pad: pad)
        #expect(maxDiff(y, expected) < 1e-5)
    }

    @Test(arguments: [(3, 1), (3, 2), (5, 1), (5, 2)])
    func depthwiseConvolutionMatchesTheDefinitionWithAsymmetricPadding(kernel: Int, stride: Int) {
        var rng = SplitMix(state: 4)
        // Both paths: AVX-512 (where the CPU has it: weights in registers, runs of 4 pixels) and AVX2/generic.
        for (h, w, c, allowed) in [(8, 8, 5), (7, 11, 40), (1, 3, 33), (4, 5, 64), (12, 17, 48), (9, 23, 21)]
            .flatMap({ shape in [Int32(1), 0].map { (shape.0, shape.1, shape.2, $0) } }) {
            mm_depthwise_limit_avx512(allowed)
            defer { mm_depthwise_limit_avx512(1) }
            let batch = 3
            let x = rng.array(c * batch * h * w), weight = rng.array(c * kernel * kernel), bias = rng.array(c)
            let conv = DepthwiseConv2D(weight: weight, bias: bias, channels: c, kernel: kernel, stride: stride)
            let pad = Padding2D.same(height: h, width: w, kernel: kernel, stride: stride)
            let o = pad.outputSize(height: h, width: w, kernel: kernel, stride: stride)
            var y = [Float](repeating: .nan, count: c * batch * o.height * o.width)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                conv.forward(xp.baseAddress!, batch: batch, height: h, width: w, padding: pad, activation: .relu6, into: yp.baseAddress!)
            } }
            let expected = Self.naiveConv(x, batch: batch, inC: c, h: h, w: w, weight: weight, bias: bias,
                                          outC: c, k: kernel, stride: stride, groups: c, pad: pad).map { min(max($0, 0), 6) }
            #expect(maxDiff(y, expected) < 1e-5, "\(h)x\(w)x\(c) (AVX-512 allowed: \(allowed))")
        }
    }

    @Test func batchNormFoldingEqualsConvThenBatchNorm() {
        var rng = SplitMix(state: 5)
        let (outC, per) = (4, 6)
        let w = rng.array(outC * per), gamma = rng.array(outC), beta = rng.array(outC), mean = rng.array(outC)
        let variance = rng.array(outC).map { abs($0) + 0.1 }
        let x = rng.array(per)
        let folded = BatchNormFolding.fold(weight: w, outChannels: outC, gamma: gamma, beta: beta, mean: mean, variance: variance, eps: 1e-3)
        for c in 0..<outC {
            let conv = (0..<per).reduce(Float(0)) { $0 + w[c * per + $1] * x[$1] }
            let bn = (conv - mean[c]) / (variance[c] + 1e-3).squareRoot() * gamma[c] + beta[c]
            let fused = (0..<per).reduce(folded.bias[c]) { $0 + folded.weight[c * per + $1] * x[$1] }
            #expect(abs(bn - fused) < 1e-5)
        }
    }

    /// Attention by the definition, one sequence and head at a time, with an explicit mask.
    static func naiveAttention(q: [Float], k: [Float], v: [Float], ld: Int, batch: Int, seq: Int, lengths: [Int],
                               heads: Int, d: Int, causal: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: batch * seq * heads * d)
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<seq {
                    var scores: [Double] = []
                    for j in 0..<seq {
                        let masked = j >= lengths[b] || (causal && j > i)
                        var s = 0.0
                        for t in 0..<d { s += Double(q[(b * seq + i) * ld + h * d + t]) * Double(k[(b * seq + j) * ld + h * d + t]) }
                        scores.append(masked ? -.infinity : s / Double(d).squareRoot())
                    }
                    let m = scores.max()!
                    let e = scores.map { exp($0 - m) }
                    let z = e.reduce(0, +)
                    for t in 0..<d {
                        var s = 0.0
                        for j in 0..<seq { s += e[j] / z * Double(v[(b * seq + j) * ld + h * d + t]) }
                        out[(b * seq + i) * heads * d + h * d + t] = Float(s)
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: [false, true])
    func attentionMatchesTheDefinitionWithPaddingMask(causal: Bool) {
        var rng = SplitMix(state: 6)
        let (batch, seq, heads, d) = (3, 5, 2, 4)
        let hidden = heads * d
        let qkv = rng.array(batch * seq * 3 * hidden)
        let lengths = [5, 2, 1]
        var out = [Float](repeating: .nan, count: batch * seq * hidden)
        var scratch = [Float](repeating: 0, count: MultiHeadAttention.scratchCount(seqLen: seq))
        qkv.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { s in
            MultiHeadAttention(heads: heads, headDim: d, causal: causal).forward(
                q: p.baseAddress!, k: p.baseAddress! + hidden, v: p.baseAddress! + 2 * hidden, ld: 3 * hidden,
                batch: batch, seqLen: seq, lengths: lengths, out: o.baseAddress!, ldOut: hidden, scratch: s.baseAddress!)
        } } }
        let expected = Self.naiveAttention(q: qkv, k: Array(qkv.dropFirst(hidden)) + [Float](repeating: 0, count: hidden),
                                           v: Array(qkv.dropFirst(2 * hidden)) + [Float](repeating: 0, count: 2 * hidden),
                                           ld: 3 * hidden, batch: batch, seq: seq, lengths: lengths, heads: heads, d: d, causal: causal)
        #expect(maxDiff(out, expected) < 1e-5)
    }

    @Test func scratchArenaKeepsSlotsAndGrows() {
        let arena = ScratchArena()
        let a = arena.buffer(0, count: 10)
        a[9] = 42
        #expect(arena.buffer(0, count: 5) == a, "a smaller request reuses the slot")
        let b = arena.buffer(1, count: 3)
        #expect(b != a)
        _ = arena.buffer(0, count: 1000)
        #expect(arena.capacity >= 1003)
    }
}

/// Products split across threads (column or row blocks taken on demand) equal the product
/// computed in double precision, for every transpose, strided operands and accumulation.
@Suite struct SplitGemmTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        let transA, transB: Bool
        let beta: Float
        var testDescription: String { "\(m)x\(n)x\(k) tA=\(transA) tB=\(transB) beta=\(beta)" }
    }

    static let shapes: [Shape] = [
        Shape(m: 50, n: 2304, k: 64, transA: false, transB: true, beta: 0),    // column blocks
        Shape(m: 50, n: 1000, k: 96, transA: false, transB: false, beta: 1),   // ragged last block
        Shape(m: 900, n: 40, k: 80, transA: true, transB: false, beta: 0),     // row blocks
        Shape(m: 1203, n: 37, k: 64, transA: true, transB: true, beta: 1),
        Shape(m: 7, n: 9, k: 5, transA: false, transB: false, beta: 0),        // too small to split
    ]

    @Test(arguments: shapes, [1, 2, 3, 8])
    func splitProductsMatchTheDoublePrecisionProduct(_ s: Shape, threads: Int) {
        var rng = SplitMix(state: UInt64(s.m * 31 + s.n * 7 + s.k))
        let pad = 3  // strides longer than the rows: nothing outside the matrices is touched
        let (aRows, aCols) = s.transA ? (s.k, s.m) : (s.m, s.k)
        let (bRows, bCols) = s.transB ? (s.n, s.k) : (s.k, s.n)
        let lda = aCols + pad, ldb = bCols + pad, ldc = s.n + pad
        let a = rng.array(aRows * lda), b = rng.array(bRows * ldb)
        let c0 = rng.array(s.m * ldc)
        var c = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 0.5,
                              a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                              beta: s.beta, c: c.baseAddress!, ldc: ldc, threads: threads)
                }
            }
        }
        var worst: Double = 0
        for i in 0..<s.m {
            for j in 0..<ldc {
                let got = Double(c[i * ldc + j])
                guard j < s.n else {
                    #expect(c[i * ldc + j] == c0[i * ldc + j], "padding at \(i),\(j) changed")
                    continue
                }
                var sum: Double = 0
                for p in 0..<s.k {
                    let x = s.transA ? a[p * lda + i] : a[i * lda + p]
                    let y = s.transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                let want = 0.5 * sum + Double(s.beta) * Double(c0[i * ldc + j])
                worst = max(worst, abs(got - want))
            }
        }
        #expect(worst < 1e-4, "max |Δ| = \(worst)")
    }
}

/// Layers whose weights are packed for the AVX2 kernel compute what the double-precision
/// product says, for ragged shapes (rows not a multiple of 6, outputs not of 16, an inner
/// dimension over one block), strided inputs and outputs, accumulation and any thread count;
/// and give their weights back unchanged.
@Suite struct PackedWeightsTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let rows, inFeatures, outFeatures: Int
        var testDescription: String { "\(rows)x\(inFeatures)->\(outFeatures)" }
    }

    static let shapes = [Shape(rows: 1, inFeatures: 8, outFeatures: 5), Shape(rows: 50, inFeatures: 768, outFeatures: 120),
                         Shape(rows: 13, inFeatures: 1000, outFeatures: 37), Shape(rows: 250, inFeatures: 64, outFeatures: 260),
                         Shape(rows: 300, inFeatures: 1000, outFeatures: 40)]

    @Test(.enabled(if: PackedWeights.isAvailable, "no AVX2+FMA on this CPU: layers use BLAS"), arguments: shapes, [1, 3])
    func packedProductsMatchTheDoublePrecisionProduct(_ s: Shape, threads: Int) throws {
        var rng = SplitMix(state: UInt64(s.rows * 131 + s.inFeatures * 7 + s.outFeatures))
        let w = rng.array(s.outFeatures * s.inFeatures)
        let packed = w.withUnsafeBufferPointer { PackedWeights(weight: $0.baseAddress!, inFeatures: s.inFeatures, outFeatures: s.outFeatures) }
        #expect(packed.unpacked() == w)
        let ldx = s.inFeatures + 2, ldy = s.outFeatures + 3
        let x = rng.array(s.rows * ldx), y0 = rng.array(s.rows * ldy)
        for accumulate in [false, true] {
            var y = y0
            x.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { y in
                    packed.product(x.baseAddress!, rows: s.rows, ldx: ldx, accumulate: accumulate,
                                   into: y.baseAddress!, ldy: ldy, threads: threads)
                }
            }
            var worst: Double = 0
            for r in 0..<s.rows {
                for o in 0..<ldy {
                    guard o < s.outFeatures else {
                        #expect(y[r * ldy + o] == y0[r * ldy + o], "padding at \(r),\(o) changed")
                        continue
                    }
                    var sum: Double = accumulate ? Double(y0[r * ldy + o]) : 0
                    for i in 0..<s.inFeatures { sum += Double(x[r * ldx + i]) * Double(w[o * s.inFeatures + i]) }
                    worst = max(worst, abs(Double(y[r * ldy + o]) - sum))
                }
            }
            #expect(worst < 1e-4, "accumulate \(accumulate): max |Δ| = \(worst)")
        }
    }

    /// A row's outputs are the same numbers in any product: few rows (packed once for every
    /// thread), many rows (packed block by block), one row, any thread count. A service's batch
    /// of queries relies on it to answer each as it is answered alone.
    @Test(.enabled(if: PackedWeights.isAvailable, "no AVX2+FMA on this CPU: layers use BLAS"))
    func aRowGetsTheSameNumbersInAnyProduct() {
        let (inFeatures, outFeatures) = (1000, 40)
        var rng = SplitMix(state: 77)
        let w = rng.array(outFeatures * inFeatures)
        let packed = w.withUnsafeBufferPointer { PackedWeights(weight: $0.baseAddress!, inFeatures: inFeatures, outFeatures: outFeatures) }
        let x = rng.array(300 * inFeatures)
        func product(rows: Range<Int>, threads: Int) -> [Float] {
            var y = [Float](repeating: 0, count: rows.count * outFeatures)
            x.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { y in
                    packed.product(x.baseAddress! + rows.lowerBound * inFeatures, rows: rows.count, ldx: inFeatures,
                                   accumulate: false, into: y.baseAddress!, ldy: outFeatures, threads: threads)
                }
            }
            return y
        }
        #expect(300 * inFeatures > PackedWeights.sharedRowsLimit && 60 * inFeatures <= PackedWeights.sharedRowsLimit)
        let many = product(rows: 0..<300, threads: 3)
        for (rows, threads) in [(100..<160, 3), (100..<160, 1), (97..<98, 2), (0..<300, 1)] {
            let got = product(rows: rows, threads: threads)
            let expected = Array(many[(rows.lowerBound * outFeatures)..<(rows.upperBound * outFeatures)])
            #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "rows \(rows), \(threads) threads")
        }
    }
}
