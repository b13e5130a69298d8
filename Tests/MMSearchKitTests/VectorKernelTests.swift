import CVectorKernels
import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// The C kernels against their definitions, on the CPU's fast path and the portable one.
@Suite struct VectorKernelTests {
    @Test(arguments: [1, 7, 8, 31, 32, 33, 64, 100, 384, 385, 512])
    func dotProductsMatchADoubleSumOnBothPaths(length: Int) {
        let rows = 5
        let query = hashVector(Array("q\(length)".utf8), dimension: length)
        let data = (0..<rows).flatMap { hashVector(Array("r\($0)-\(length)".utf8), dimension: length) }
        let halves = data.map { Float16($0).bitPattern }
        let (qCodes, _) = Quantizer.quantize(query)
        let rowCodes = (0..<rows).flatMap { Quantizer.quantize(Array(data[($0 * length)..<(($0 + 1) * length)])).codes }
        var fast = [Float](repeating: 0, count: rows), slow = fast
        var fastH = fast, slowH = fast
        var fastI = [Int32](repeating: 0, count: rows), slowI = fastI
        mms_dot_f32(query, data, length, length, rows, &fast)
        mms_dot_f32_portable(query, data, length, length, rows, &slow)
        mms_dot_f16(query, halves, length, length, rows, &fastH)
        mms_dot_f16_portable(query, halves, length, length, rows, &slowH)
        var avx2I = fastI
        mms_dot_i8(qCodes, rowCodes, length, length, rows, &fastI)
        mms_dot_i8_portable(qCodes, rowCodes, length, length, rows, &slowI)
        if mms_dot_i8_avx2(qCodes, rowCodes, length, length, rows, &avx2I) == 0 { avx2I = slowI }
        for r in 0..<rows {
            var exact = 0.0, exactHalf = 0.0
            var exactInt: Int32 = 0
            for j in 0..<length {
                exact += Double(query[j]) * Double(data[r * length + j])
                exactHalf += Double(query[j]) * Double(Float(Float16(bitPattern: halves[r * length + j])))
                exactInt += Int32(qCodes[j]) * Int32(rowCodes[r * length + j])
            }
            #expect(abs(Double(fast[r]) - exact) < 1e-6 && abs(Double(slow[r]) - exact) < 1e-6)
            #expect(abs(Double(fastH[r]) - exactHalf) < 1e-6 && abs(Double(slowH[r]) - exactHalf) < 1e-6)
            #expect(fastI[r] == exactInt && slowI[r] == exactInt && avx2I[r] == exactInt)
        }
    }

    @Test func aRowScoresTheSameAloneAsInABlock() {
        let (d, n) = (384, 37)
        let data = randomUnitVectors(count: n, dimension: d, seed: 2)
        let query = randomUnitVectors(count: 1, dimension: d, seed: 3)
        var block = [Float](repeating: 0, count: n)
        mms_dot_f32(query, data, d, d, n, &block)
        for r in 0..<n {
            var alone: Float = 0
            data.withUnsafeBufferPointer { mms_dot_f32(query, $0.baseAddress! + r * d, d, d, 1, &alone) }
            #expect(alone.bitPattern == block[r].bitPattern)
        }
    }

    /// Several queries against the same rows (a service's batch): each query's sums are exactly
    /// its own `mms_dot_i8`, for any count of queries and any dimension, extremes included.
    @Test(arguments: [1, 31, 32, 64, 100, 384, 385])
    func queriesTogetherGetTheirOwnInt8Sums(length: Int) {
        let rows = 11
        var state: UInt64 = UInt64(length)
        func code() -> Int8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int8(Int(state >> 33) % 255 - 127)
        }
        var data = (0..<(rows * length)).map { _ in code() }
        for j in 0..<length { data[j] = 127; data[length + j] = -127 }
        for count in [1, 2, 3, 4, 5, 8, 9] {
            var queries = (0..<count).map { _ in (0..<length).map { _ in code() } }
            queries[0] = [Int8](repeating: -127, count: length)
            let flat = queries.flatMap { $0 }
            var together = [Int32](repeating: 0, count: count * rows)
            flat.withUnsafeBufferPointer { base in
                let pointers: [UnsafePointer<Int8>?] = (0..<count).map { base.baseAddress! + $0 * length }
                mms_dot_i8_queries(pointers, count, data, length, length, rows, &together)
            }
            for (q, query) in queries.enumerated() {
                var alone = [Int32](repeating: 0, count: rows)
                mms_dot_i8_portable(query, data, length, length, rows, &alone)
                #expect(Array(together[(q * rows)..<((q + 1) * rows)]) == alone, "\(count) queries, query \(q)")
            }
        }
    }

    @Test func int8ExtremesDoNotOverflow() {
        let d = 65_536 / 64  // many products of ±127
        let a = [Int8](repeating: 127, count: d)
        let b = [Int8](repeating: -127, count: d)
        var fast: Int32 = 0, slow: Int32 = 0
        mms_dot_i8(a, b, d, d, 1, &fast)
        mms_dot_i8_portable(a, b, d, d, 1, &slow)
        #expect(fast == -127 * 127 * Int32(d) && slow == fast)
        // Blocks of four rows (the vector paths' main loop) at the extremes too.
        let rows = 9
        let many = [Int8]((0..<rows).flatMap { r in [Int8](repeating: r % 2 == 0 ? -127 : 127, count: d) })
        var fastRows = [Int32](repeating: 0, count: rows), avx2Rows = fastRows
        mms_dot_i8(a, many, d, d, rows, &fastRows)
        if mms_dot_i8_avx2(a, many, d, d, rows, &avx2Rows) == 0 { avx2Rows = fastRows }
        for r in 0..<rows {
            let expected = (r % 2 == 0 ? -1 : 1) * 127 * 127 * Int32(d)
            #expect(fastRows[r] == expected && avx2Rows[r] == expected, "row \(r)")
        }
    }

    @Test func halfConversionRoundsToNearestEvenLikeSwiftOnBothPaths() {
        var values: [Float] = [0, -0, 1, -1, 65504, -65504, 65519, 6.1035156e-05, 6.097555e-05, 5.9604645e-08,
                               2.9802322e-08, 2.9802326e-08, 1e-9, 0.1, 1.0009765, 1.00048828125, 1.000732421875]
        var state: UInt64 = 1
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let exponent = Float(Int(state >> 59)) - 24  // 2^-24 … 2^7
            let mantissa = Float(state >> 40 & 0xFFFF) / 65536 + 1
            values.append((state & 1 == 0 ? 1 : -1) * mantissa * Float(sign: .plus, exponent: Int(exponent), significand: 1))
        }
        var fast = [UInt16](repeating: 0, count: values.count), slow = fast
        mms_f32_to_f16(values, &fast, values.count)
        mms_f32_to_f16_portable(values, &slow, values.count)
        for (i, value) in values.enumerated() {
            let expected = Float16(value).bitPattern
            #expect(fast[i] == expected && slow[i] == expected, "\(value)")
        }
        // Every finite half widens exactly.
        let all = (0...UInt16.max).filter { Float16(bitPattern: $0).isFinite }
        var wideFast = [Float](repeating: 0, count: all.count), wideSlow = wideFast
        mms_f16_to_f32(all, &wideFast, all.count)
        mms_f16_to_f32_portable(all, &wideSlow, all.count)
        for (i, bits) in all.enumerated() {
            let expected = Float(Float16(bitPattern: bits)).bitPattern
            #expect(wideFast[i].bitPattern == expected && wideSlow[i].bitPattern == expected)
        }
    }

    @Test func quantisationErrorIsWithinHalfAStep() {
        let vectors = randomUnitVectors(count: 200, dimension: 97, seed: 4)
        for r in 0..<200 {
            let v = Array(vectors[(r * 97)..<((r + 1) * 97)])
            let (codes, scale) = Quantizer.quantize(v)
            #expect(codes.allSatisfy { $0 != -128 })
            #expect(codes.contains { abs(Int($0)) == 127 })
            for (x, c) in zip(v, codes) { #expect(abs(x - Float(c) * scale) <= scale * 0.50001) }
        }
        #expect(Quantizer.quantize([0, 0, 0]).scale == 0)
    }
}
