extension Linear {
    /// `y[rows × out] += x[rows × in] · Wᵀ + b`: the layer's output added to what `y` holds,
    /// e.g. onto a residual stream, in the same product (`beta = 1`) instead of a separate pass.
    /// `ldx`/`ldy` are the row strides.
    public func accumulate(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil,
                           into y: UnsafeMutablePointer<Float>, ldy: Int? = nil) {
        let ldx = ldx ?? inFeatures, ldy = ldy ?? outFeatures
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { Ops.add(b.baseAddress!, into: y + r * ldy, count: outFeatures) }
            }
        }
        product(x, rows: rows, ldx: ldx, accumulate: true, into: y, ldy: ldy)
    }
}
