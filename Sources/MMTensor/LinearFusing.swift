extension Linear {
    /// Reads layers of a checkpoint view that take the same input (`names` under `w`, each
    /// `[outFeatures, inFeatures]`) and stacks them into one product, in that order: the fused
    /// Q, K, V projection of an attention block. A missing or mis-shaped tensor is an error
    /// naming it, the first in `names` order.
    public init(fusing names: [String], of w: Weights, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        var weights: [Float] = [], biases: [Float] = []
        for name in names {
            weights += try w.scoped(name).tensor("weight", shape: [outFeatures, inFeatures])
            if bias { biases += try w.scoped(name).tensor("bias", shape: [outFeatures]) }
        }
        self.init(weight: weights, bias: bias ? biases : nil, inFeatures: inFeatures,
                  outFeatures: outFeatures * names.count, precision: w.precision, int8Scales: w.int8Scales)
    }
}
