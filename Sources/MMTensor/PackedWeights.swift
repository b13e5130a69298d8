import CKernels

/// A layer's weights packed once for the AVX2 product kernel (`mm_sgemm_packed` in CKernels):
/// panels of 16 output columns, so a product never re-packs them, which is most of what BLAS
/// spends beyond the arithmetic at a few dozen rows (a transformer at batch 1). Only made on
/// CPUs with AVX2 and FMA; elsewhere layers keep their plain weights and use BLAS.
final class PackedWeights: @unchecked Sendable {
    // Immutable after init: written once by the packing, then only read.
    let values: UnsafeMutablePointer<Float>
    let inFeatures: Int
    let outFeatures: Int

    static let isAvailable = mm_sgemm_packed_available() != 0
    static let panelWidth = Int(mm_sgemm_panel_width())
    /// Rows × inner dimension up to which a product packs its rows once for all threads (1 MiB).
    static let sharedRowsLimit = 1 << 18

    /// Packs `weight`, PyTorch's `[out, in]` layout.
    init(weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) {
        precondition(Self.isAvailable)
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let count = mm_sgemm_packed_size(Int32(inFeatures), Int32(outFeatures))
        values = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        mm_sgemm_pack_weights(weight, Int32(inFeatures), Int32(outFeatures), values)
    }

    deinit { values.deallocate() }

    /// The weights in PyTorch's `[out, in]` layout again.
    func unpacked() -> [Float] {
        let w = Self.panelWidth, k = inFeatures
        var out = [Float](repeating: 0, count: inFeatures * outFeatures)
        for o in 0..<outFeatures {
            let panel = values + (o / w) * k * w + o % w
            for i in 0..<k { out[o * k + i] = panel[i * w] }
        }
        return out
    }

    /// `y[rows × out] = x · Wᵀ` (`accumulate`: `y +=`), on up to `threads` threads.
    func product(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, accumulate: Bool,
                 into y: UnsafeMutablePointer<Float>, ldy: Int, threads: Int) {
        guard rows > 0 else { return }
        let panels = (outFeatures + Self.panelWidth - 1) / Self.panelWidth
        let (perBlock, blocks) = BLAS.blocking(extent: panels, granule: 1, threads: threads,
                                               work: rows * outFeatures * inFeatures)
        let yAddress = UInt(bitPattern: y)
        // Few rows (a query, a batch of them): packed once here for every block of panels
        // instead of once per block, which at a few dozen rows costs as much as a block's
        // arithmetic. Many rows: each block packs MC×KC pieces as it goes, which stay in cache.
        if blocks > 1, rows * inFeatures <= Self.sharedRowsLimit {
            let packedRows = UnsafeMutablePointer<Float>.allocate(capacity: mm_sgemm_rows_size(Int32(rows), Int32(inFeatures)))
            defer { packedRows.deallocate() }
            mm_sgemm_pack_rows(Int32(rows), Int32(inFeatures), x, Int32(ldx), packedRows)
            let rowsAddress = UInt(bitPattern: packedRows)
            BLAS.forEachBlock(blocks, threads: threads) { index in
                let first = index * perBlock, last = min(panels, first + perBlock)
                mm_sgemm_packed_rows(Int32(rows), Int32(self.outFeatures), Int32(self.inFeatures),
                                     UnsafePointer<Float>(bitPattern: rowsAddress), self.values,
                                     UnsafeMutablePointer<Float>(bitPattern: yAddress), Int32(ldy),
                                     accumulate ? 1 : 0, Int32(first), Int32(last))
            }
            return
        }
        let xAddress = UInt(bitPattern: x)
        BLAS.forEachBlock(blocks, threads: threads) { index in
            let first = index * perBlock, last = min(panels, first + perBlock)
            let status = mm_sgemm_packed(Int32(rows), Int32(self.outFeatures), Int32(self.inFeatures),
                                         UnsafePointer<Float>(bitPattern: xAddress), Int32(ldx), self.values,
                                         UnsafeMutablePointer<Float>(bitPattern: yAddress), Int32(ldy),
                                         accumulate ? 1 : 0, Int32(first), Int32(last))
            precondition(status == 0, "out of memory in a matrix product")
        }
    }
}
