import CKernels

/// Zero padding around a feature map, possibly asymmetric (TensorFlow's "SAME" padding puts the
/// odd pixel at the bottom/right).
public struct Padding2D: Sendable, Equatable {
    public var top: Int, left: Int, bottom: Int, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }

    public static let zero = Padding2D(top: 0, left: 0, bottom: 0, right: 0)

    /// TensorFlow "SAME" padding for an input of `height × width`: the output is
    /// `ceil(in / stride)` and the total padding `max((out - 1)·stride + (k - 1)·dilation + 1 - in, 0)`
    /// is split with the smaller half first.
    public static func same(height: Int, width: Int, kernel: Int, stride: Int, dilation: Int = 1) -> Padding2D {
        func split(_ n: Int) -> (Int, Int) {
            let out = (n + stride - 1) / stride
            let total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - n, 0)
            return (total / 2, total - total / 2)
        }
        let (t, b) = split(height), (l, r) = split(width)
        return Padding2D(top: t, left: l, bottom: b, right: r)
    }

    public func outputSize(height: Int, width: Int, kernel: Int, stride: Int) -> (height: Int, width: Int) {
        ((height + top + bottom - kernel) / stride + 1, (width + left + right - kernel) / stride + 1)
    }
}

/// What follows a convolution, fused into its output pass.
public enum Activation: Sendable {
    case none
    case relu6

    func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .none: break
        case .relu6: mm_relu6(x, count)
        }
    }
}

// Convolutions work on batches in NHWC layout (`[batch, height, width, channels]`, channels
// contiguous): a 1×1 convolution is then one matrix product `[pixels × in] · Wᵀ` for the whole
// batch, and a depthwise convolution vectorises across channels.

/// A dense 2-D convolution (groups = 1) with a bias (e.g. a folded batch norm), NHWC.
/// 1×1 kernels with stride 1 need no im2col. At `.int8` the product runs on weights quantised
/// once per output channel (`QuantizedWeights`, `.perRow`).
public struct Conv2D: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    /// PyTorch's `[out, in, k, k]`: row `o` is the filter over `(in, ky, kx)`.
    public let weight: [Float]
    public let bias: [Float]
    private let quantized: QuantizedWeights?
    /// `.int8` when the weights were quantised.
    public var precision: Precision { quantized == nil ? .f32 : .int8 }

    public init(weight: [Float], bias: [Float], inChannels: Int, outChannels: Int, kernel: Int, stride: Int,
                precision: Precision = .f32) {
        precondition(weight.count == outChannels * inChannels * kernel * kernel && bias.count == outChannels)
        quantized = precision == .int8 ? weight.withUnsafeBufferPointer {
            QuantizedWeights(weight: $0.baseAddress!, inFeatures: inChannels * kernel * kernel, outFeatures: outChannels,
                             scales: .perRow)
        } : nil
        self.weight = weight
        self.bias = bias
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
    }

    public var isPointwise: Bool { kernel == 1 && stride == 1 }

    /// Floats of im2col scratch `forward` needs for this input size (0 for pointwise).
    public func scratchCount(batch: Int = 1, height: Int, width: Int, padding: Padding2D) -> Int {
        if isPointwise { return 0 }
        let o = padding.outputSize(height: height, width: width, kernel: kernel, stride: stride)
        return batch * o.height * o.width * inChannels * kernel * kernel
    }

    /// `output[batch, oh, ow, out]` from `input[batch, height, width, in]`.
    public func forward(_ input: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int,
                        padding: Padding2D, activation: Activation = .none,
                        into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>?) {
        let o = padding.outputSize(height: height, width: width, kernel: kernel, stride: stride)
        let pixels = batch * o.height * o.width
        bias.withUnsafeBufferPointer { b in
            for p in 0..<pixels { (output + p * outChannels).update(from: b.baseAddress!, count: outChannels) }
        }
        let patches: UnsafePointer<Float>
        if isPointwise {
            patches = input
        } else {
            guard let scratch else { preconditionFailure("Conv2D: im2col needs scratch") }
            im2col(input, batch: batch, height: height, width: width, padding: padding, out: o, into: scratch)
            patches = UnsafePointer(scratch)
        }
        let depth = inChannels * kernel * kernel
        if let quantized {
            quantized.product(patches, rows: pixels, ldx: depth, accumulate: true, into: output, ldy: outChannels,
                              threads: BLAS.threads)
        } else {
            weight.withUnsafeBufferPointer { w in
                BLAS.gemm(transB: true, m: pixels, n: outChannels, k: depth,
                          a: patches, lda: depth, b: w.baseAddress!, ldb: depth,
                          beta: 1, c: output, ldc: outChannels)
            }
        }
        activation.apply(output, count: pixels * outChannels)
    }

    /// One row per output pixel `(n, oy, ox)`, holding its receptive field in the weight's
    /// `(in, ky, kx)` order.
    private func im2col(_ x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, padding: Padding2D,
                        out o: (height: Int, width: Int), into rows: UnsafeMutablePointer<Float>) {
        let depth = inChannels * kernel * kernel
        for n in 0..<batch {
            for oy in 0..<o.height {
                for ox in 0..<o.width {
                    let row = rows + ((n * o.height + oy) * o.width + ox) * depth
                    for ky in 0..<kernel {
                        let iy = oy * stride - padding.top + ky
                        for kx in 0..<kernel {
                            let ix = ox * stride - padding.left + kx
                            let inside = iy >= 0 && iy < height && ix >= 0 && ix < width
                            let pixel = x + ((n * height + (inside ? iy : 0)) * width + (inside ? ix : 0)) * inChannels
                            for c in 0..<inChannels {
                                row[(c * kernel + ky) * kernel + kx] = inside ? pixel[c] : 0
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A depthwise 2-D convolution (one `k×k` filter per channel, groups = channels) with a bias
/// (e.g. a folded batch norm) and a fused activation, NHWC.
public struct DepthwiseConv2D: Sendable {
    public let channels: Int
    public let kernel: Int
    public let stride: Int
    /// Tap-major `[k·k, channels]`, so each tap's weights are one contiguous vector.
    public let taps: [Float]
    public let bias: [Float]

    /// `weight` in PyTorch's `[channels, 1, k, k]` layout.
    public init(weight: [Float], bias: [Float], channels: Int, kernel: Int, stride: Int) {
        precondition(weight.count == channels * kernel * kernel && bias.count == channels)
        precondition(kernel >= 1 && stride >= 1, "depthwise kernel \(kernel), stride \(stride)")
        var taps = [Float](repeating: 0, count: weight.count)
        for c in 0..<channels {
            for t in 0..<(kernel * kernel) { taps[t * channels + c] = weight[c * kernel * kernel + t] }
        }
        self.taps = taps
        self.bias = bias
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
    }

    /// `output[batch, oh, ow, c]` from `input[batch, height, width, c]`.
    public func forward(_ input: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int,
                        padding: Padding2D, activation: Activation,
                        into output: UnsafeMutablePointer<Float>) {
        let o = padding.outputSize(height: height, width: width, kernel: kernel, stride: stride)
        taps.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                mm_depthwise_nhwc(input, Int32(batch), Int32(height), Int32(width), Int32(channels),
                                  w.baseAddress!, b.baseAddress!, Int32(kernel), Int32(stride),
                                  Int32(padding.top), Int32(padding.left), activation == .relu6 ? 1 : 0,
                                  output, Int32(o.height), Int32(o.width))
            }
        }
    }
}

/// Folds an inference-mode batch norm that follows a bias-free convolution into the
/// convolution's weights and a bias: `w' = w · γ/√(var + ε)`, `b' = β - mean · γ/√(var + ε)`.
public enum BatchNormFolding {
    public static func fold(weight: [Float], outChannels: Int, gamma: [Float], beta: [Float],
                            mean: [Float], variance: [Float], eps: Float) -> (weight: [Float], bias: [Float]) {
        precondition(gamma.count == outChannels && beta.count == outChannels
                     && mean.count == outChannels && variance.count == outChannels)
        precondition(weight.count % outChannels == 0)
        let per = weight.count / outChannels
        var w = weight
        var b = [Float](repeating: 0, count: outChannels)
        for c in 0..<outChannels {
            // Computed in Double so folding adds no error beyond the final rounding.
            let scale = Double(gamma[c]) / (Double(variance[c]) + Double(eps)).squareRoot()
            for i in 0..<per { w[c * per + i] = Float(Double(weight[c * per + i]) * scale) }
            b[c] = Float(Double(beta[c]) - Double(mean[c]) * scale)
        }
        return (w, b)
    }

    /// Reads `weight`, `bias`, `running_mean`, `running_var` of a batch-norm layer and folds it.
    public static func fold(weight: [Float], outChannels: Int, batchNorm bn: Weights, eps: Float) throws
        -> (weight: [Float], bias: [Float]) {
        fold(weight: weight, outChannels: outChannels,
             gamma: try bn.tensor("weight", shape: [outChannels]),
             beta: try bn.tensor("bias", shape: [outChannels]),
             mean: try bn.tensor("running_mean", shape: [outChannels]),
             variance: try bn.tensor("running_var", shape: [outChannels]), eps: eps)
    }
}
