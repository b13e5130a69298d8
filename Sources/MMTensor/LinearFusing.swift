extension Linear {
    /// Reads layers of a checkpoint view that take the same input (`names` under `w`, each
    /// `[outFeatures, inFeatures]`) and stacks them into one product, in that order: the fused
    /// Q, K, V projection of an attention block. A missing or mis-shaped tensor is an error
    /// naming it, the first in `names` order.
    public init(fusing names: [String], of w: Weights, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        self.init(concatenating: try names.map {
            try Linear(w.scoped($0), inFeatures: inFeatures, outFeatures: outFeatures, bias: bias)
        })
    }
}
