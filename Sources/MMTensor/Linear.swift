/// A fully connected layer, `y = x · Wᵀ + b`, with PyTorch's weight layout `[out, in]`.
///
/// At `Precision.f32`, on CPUs with AVX2 and FMA the weights are packed once at load for
/// CKernels' product kernel (`PackedWeights`); elsewhere they stay as they are and products go
/// through BLAS. At `.int8` they are quantised once at load (`QuantizedWeights`) and every
/// product runs in int8.
public struct Linear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let bias: [Float]?
    /// `.int8` when the weights were quantised.
    public var precision: Precision { quantized == nil ? .f32 : .int8 }
    /// How the weights are scaled at `.int8` (`.perRow` otherwise, and unused).
    public var int8Scales: Int8Scales { quantized?.scales ?? .perRow }
    private let plain: [Float]?
    private let packed: PackedWeights?
    private let quantized: QuantizedWeights?

    /// The weights, `[out, in]` (unpacked again when they were packed, dequantised when they
    /// were quantised: for loading code, not for products).
    public var weight: [Float] { plain ?? packed?.unpacked() ?? quantized!.unpacked() }

    public init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int, precision: Precision = .f32,
                int8Scales: Int8Scales = .perRow) {
        precondition(weight.count == inFeatures * outFeatures)
        precondition(bias == nil || bias!.count == outFeatures)
        if precision == .int8 {
            quantized = weight.withUnsafeBufferPointer {
                QuantizedWeights(weight: $0.baseAddress!, inFeatures: inFeatures, outFeatures: outFeatures, scales: int8Scales)
            }
            packed = nil
            plain = nil
        } else if PackedWeights.isAvailable {
            quantized = nil
            packed = weight.withUnsafeBufferPointer {
                PackedWeights(weight: $0.baseAddress!, inFeatures: inFeatures, outFeatures: outFeatures)
            }
            plain = nil
        } else {
            quantized = nil
            plain = weight
            packed = nil
        }
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// Reads `weight` (and `bias` when `bias` is true) from a checkpoint view, at the view's
    /// precision.
    public init(_ w: Weights, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        self.init(weight: try w.tensor("weight", shape: [outFeatures, inFeatures]),
                  bias: bias ? try w.tensor("bias", shape: [outFeatures]) : nil,
                  inFeatures: inFeatures, outFeatures: outFeatures, precision: w.precision, int8Scales: w.int8Scales)
    }

    /// Stacks several layers with the same input into one (e.g. Q, K, V → one product).
    public init(concatenating layers: [Linear]) {
        let inFeatures = layers[0].inFeatures
        precondition(layers.allSatisfy { $0.inFeatures == inFeatures })
        let hasBias = layers.allSatisfy { $0.bias != nil }
        let precision = layers[0].precision, scales = layers[0].int8Scales
        precondition(layers.allSatisfy { $0.precision == precision && $0.int8Scales == scales })
        self.init(weight: layers.flatMap(\.weight),
                  bias: hasBias ? layers.flatMap { $0.bias! } : nil,
                  inFeatures: inFeatures, outFeatures: layers.reduce(0) { $0 + $1.outFeatures }, precision: precision,
                  int8Scales: scales)
    }

    /// `y[rows × out] = x[rows × in] · Wᵀ + b`. `ldx`/`ldy` are the row strides.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil,
                        into y: UnsafeMutablePointer<Float>, ldy: Int? = nil) {
        let ldx = ldx ?? inFeatures, ldy = ldy ?? outFeatures
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { (y + r * ldy).update(from: b.baseAddress!, count: outFeatures) }
            }
        }
        product(x, rows: rows, ldx: ldx, accumulate: bias != nil, into: y, ldy: ldy)
    }

    /// `y = x · Wᵀ` (`accumulate`: `y += x · Wᵀ`).
    func product(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, accumulate: Bool,
                 into y: UnsafeMutablePointer<Float>, ldy: Int) {
        if let quantized {
            quantized.product(x, rows: rows, ldx: ldx, accumulate: accumulate, into: y, ldy: ldy, threads: BLAS.threads)
            return
        }
        if let packed {
            packed.product(x, rows: rows, ldx: ldx, accumulate: accumulate, into: y, ldy: ldy, threads: BLAS.threads)
            return
        }
        plain!.withUnsafeBufferPointer { w in
            BLAS.gemm(transB: true, m: rows, n: outFeatures, k: inFeatures,
                      a: x, lda: ldx, b: w.baseAddress!, ldb: inFeatures,
                      beta: accumulate ? 1 : 0, c: y, ldc: ldy)
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
