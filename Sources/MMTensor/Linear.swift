/// A fully connected layer, `y = x · Wᵀ + b`, with PyTorch's weight layout `[out, in]`.
public struct Linear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: [Float]
    public let bias: [Float]?

    public init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == inFeatures * outFeatures)
        precondition(bias == nil || bias!.count == outFeatures)
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// Reads `weight` (and `bias` when `bias` is true) from a checkpoint view.
    public init(_ w: Weights, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        self.init(weight: try w.tensor("weight", shape: [outFeatures, inFeatures]),
                  bias: bias ? try w.tensor("bias", shape: [outFeatures]) : nil,
                  inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// Stacks several layers with the same input into one (e.g. Q, K, V → one product).
    public init(concatenating layers: [Linear]) {
        let inFeatures = layers[0].inFeatures
        precondition(layers.allSatisfy { $0.inFeatures == inFeatures })
        let hasBias = layers.allSatisfy { $0.bias != nil }
        self.init(weight: layers.flatMap(\.weight),
                  bias: hasBias ? layers.flatMap { $0.bias! } : nil,
                  inFeatures: inFeatures, outFeatures: layers.reduce(0) { $0 + $1.outFeatures })
    }

    /// `y[rows × out] = x[rows × in] · Wᵀ + b`. `ldx`/`ldy` are the row strides.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil,
                        into y: UnsafeMutablePointer<Float>, ldy: Int? = nil) {
        let ldx = ldx ?? inFeatures, ldy = ldy ?? outFeatures
        var beta: Float = 0
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { (y + r * ldy).update(from: b.baseAddress!, count: outFeatures) }
            }
            beta = 1
        }
        weight.withUnsafeBufferPointer { w in
            BLAS.gemm(transB: true, m: rows, n: outFeatures, k: inFeatures,
                      a: x, lda: ldx, b: w.baseAddress!, ldb: inFeatures,
                      beta: beta, c: y, ldc: ldy)
        }
    }
}

/// Layer normalisation parameters (`weight`/`bias` in the checkpoint).
public struct LayerNorm: Sendable {
    public let gamma: [Float]
    public let beta: [Float]
    public let eps: Float

    public init(_ w: Weights, dim: Int, eps: Float) throws {
        gamma = try w.tensor("weight", shape: [dim])
        beta = try w.tensor("bias", shape: [dim])
        self.eps = eps
    }

    public func callAsFunction(_ x: UnsafeMutablePointer<Float>, rows: Int) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                Ops.layerNorm(x, rows: rows, dim: gamma.count, gamma: g.baseAddress!, beta: b.baseAddress!, eps: eps)
            }
        }
    }
}
