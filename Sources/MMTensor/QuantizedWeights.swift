import CKernels

/// A layer's weights quantised once to int8 for CKernels' int8 product (`mm_q8_gemm`), with one
/// scale per output column or per block of 32 inner values of it (`Int8Scales`). A product
/// quantises its rows the same way (per row, or per row and block, at run time), multiplies in
/// int32 with what the CPU has (AVX-512 VNNI, AVX2, plain C) and scales and sums in f32. A
/// quarter of the f32 weights' memory and bandwidth.
final class QuantizedWeights: @unchecked Sendable {
    // Immutable after init: written once by the quantisation, then only read.
    private let packed: UnsafeMutableRawPointer
    let inFeatures: Int
    let outFeatures: Int

    let scales: Int8Scales
    /// `mm_q8_*`'s `group` for `scales`: blocks of 32 inner values per scale, 0 for one per
    /// column and row.
    private let group: Int32

    static let panelWidth = Int(mm_q8_panel_width())

    /// Quantises `weight`, PyTorch's `[out, in]` layout.
    init(weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int, scales: Int8Scales) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.scales = scales
        group = scales == .perBlock ? 1 : 0
        packed = UnsafeMutableRawPointer.allocate(byteCount: max(1, mm_q8_weights_size(Int32(inFeatures), Int32(outFeatures), group)),
                                                  alignment: 64)
        mm_q8_pack_weights(weight, Int32(inFeatures), Int32(outFeatures), group, packed)
    }

    deinit { packed.deallocate() }

    /// The dequantised weights, `[out, in]`.
    func unpacked() -> [Float] {
        var out = [Float](repeating: 0, count: inFeatures * outFeatures)
        out.withUnsafeMutableBufferPointer {
            mm_q8_unpack_weights(packed, Int32(inFeatures), Int32(outFeatures), group, $0.baseAddress!)
        }
        return out
    }

    /// `y[rows × out] = x · Wᵀ` (`accumulate`: `y +=`), on up to `threads` threads: the rows are
    /// quantised once, then blocks of output panels are shared out.
    func product(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, accumulate: Bool,
                 into y: UnsafeMutablePointer<Float>, ldy: Int, threads: Int) {
        guard rows > 0 else { return }
        let (k, n) = (Int32(inFeatures), Int32(outFeatures))
        let quantised = UnsafeMutableRawPointer.allocate(byteCount: max(1, mm_q8_rows_size(Int32(rows), k, group)), alignment: 64)
        defer { quantised.deallocate() }
        let group = self.group
        // Rows are quantised once for all threads, shared out in blocks of 8 when there are many.
        let (rowBlock, rowBlocks) = BLAS.blocking(extent: rows, granule: 8, threads: threads, work: rows * inFeatures * 64)
        let (xAddress, quantisedAddress) = (UInt(bitPattern: x), UInt(bitPattern: quantised))
        BLAS.forEachBlock(rowBlocks, threads: threads) { index in
            mm_q8_quantize_rows(Int32(rows), k, UnsafePointer<Float>(bitPattern: xAddress), Int32(ldx), group,
                                UnsafeMutableRawPointer(bitPattern: quantisedAddress),
                                Int32(index * rowBlock), Int32(min(rows, (index + 1) * rowBlock)))
        }
        let panels = (outFeatures + Self.panelWidth - 1) / Self.panelWidth
        let (perBlock, blocks) = BLAS.blocking(extent: panels, granule: 1, threads: threads,
                                               work: rows * outFeatures * inFeatures / 4)
        let (rowsAddress, yAddress) = (UInt(bitPattern: quantised), UInt(bitPattern: y))
        let weights = UInt(bitPattern: packed)
        BLAS.forEachBlock(blocks, threads: threads) { index in
            let first = index * perBlock, last = min(panels, first + perBlock)
            mm_q8_gemm(Int32(rows), n, k, group, UnsafeRawPointer(bitPattern: rowsAddress), UnsafeRawPointer(bitPattern: weights),
                       UnsafeMutablePointer<Float>(bitPattern: yAddress), Int32(ldy), accumulate ? 1 : 0,
                       Int32(first), Int32(last))
        }
    }

    /// Which product kernel runs on this CPU: "avx512-vnni", "avx2" or "portable".
    static var isa: String { String(cString: mm_q8_isa()) }
}
