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
}

extension Activation {
    func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .none: break
        case .relu6: Ops.relu6(x, count: count)
        }
    }
}

/// A dense 2-D convolution (groups = 1) with a bias (e.g. a folded batch norm) over a batch in
/// CNHW layout (`[channels, batch, height, width]`; for one image the same as NCHW), so that
/// the whole batch is one matrix product: `[out × in·k·k] · [in·k·k × batch·oh·ow]`.
/// 1×1 kernels with stride 1 need no im2col.
public struct Conv2D: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    /// `[out, in, k, k]`.
    public let weight: [Float]
    public let bias: [Float]

    public init(weight: [Float], bias: [Float], inChannels: Int, outChannels: Int, kernel: Int, stride: Int) {
        precondition(weight.count == outChannels * inChannels * kernel * kernel && bias.count == outChannels)
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
        return inChannels * kernel * kernel * batch * o.height * o.width
    }

    /// `output[out, batch, oh, ow]` from `input[in, batch, height, width]`.
    public func forward(_ input: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int,
                        padding: Padding2D, activation: Activation = .none,
                        into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>?) {
        let o = padding.outputSize(height: height, width: width, kernel: kernel, stride: stride)
        let spatial = batch * o.height * o.width
        for c in 0..<outChannels {
            (output + c * spatial).update(repeating: bias[c], count: spatial)
        }
        let cols: UnsafePointer<Float>
        if isPointwise {
            cols = input
        } else {
            guard let scratch else { preconditionFailure("Conv2D: im2col needs scratch") }
            im2col(input, batch: batch, height: height, width: width, padding: padding, out: o, into: scratch)
            cols = UnsafePointer(scratch)
        }
        let depth = inChannels * kernel * kernel
        weight.withUnsafeBufferPointer { w in
            BLAS.gemm(m: outChannels, n: spatial, k: depth,
                      a: w.baseAddress!, lda: depth, b: cols, ldb: spatial,
                      beta: 1, c: output, ldc: spatial)
        }
        activation.apply(output, count: outChannels * spatial)
    }

    /// Rows `(c, ky, kx)`, columns the output pixels `(n, oy, ox)`: each column holds one
    /// receptive field.
    private func im2col(_ x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, padding: Padding2D,
                        out o: (height: Int, width: Int), into cols: UnsafeMutablePointer<Float>) {
        let spatial = batch * o.height * o.width
        var row = 0
        for c in 0..<inChannels {
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    for n in 0..<batch {
                        let plane = x + (c * batch + n) * height * width
                        let dst = cols + row * spatial + n * o.height * o.width
                        for oy in 0..<o.height {
                            let line = dst + oy * o.width
                            let iy = oy * stride - padding.top + ky
                            guard iy >= 0 && iy < height else {
                                line.update(repeating: 0, count: o.width)
                                continue
                            }
                            let src = plane + iy * width
                            for ox in 0..<o.width {
                                let ix = ox * stride - padding.left + kx
                                line[ox] = (ix >= 0 && ix < width) ? src[ix] : 0
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}

/// A depthwise 2-D convolution (one `k×k` filter per channel, groups = channels) with a bias
/// (e.g. a folded batch norm) and a fused activation, over a batch in CNHW layout.
public struct DepthwiseConv2D: Sendable {
    public let channels: Int
    public let kernel: Int
    public let stride: Int
    /// `[channels, 1, k, k]`.
    public let weight: [Float]
    public let bias: [Float]

    public init(weight: [Float], bias: [Float], channels: Int, kernel: Int, stride: Int) {
        precondition(weight.count == channels * kernel * kernel && bias.count == channels)
        self.weight = weight
        self.bias = bias
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
    }

    /// `output[c, batch, oh, ow]` from `input[c, batch, height, width]`.
    public func forward(_ input: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int,
                        padding: Padding2D, activation: Activation,
                        into output: UnsafeMutablePointer<Float>) {
        let o = padding.outputSize(height: height, width: width, kernel: kernel, stride: stride)
        weight.withUnsafeBufferPointer { w in
            for c in 0..<channels {
                for n in 0..<batch {
                    let plane = c * batch + n
                    channel(c, input + plane * height * width, height: height, width: width, padding: padding,
                            out: o, weights: w.baseAddress! + c * kernel * kernel,
                            into: output + plane * o.height * o.width)
                }
            }
        }
        activation.apply(output, count: channels * batch * o.height * o.width)
    }

    @inline(__always)
    private func channel(_ c: Int, _ x: UnsafePointer<Float>, height: Int, width: Int, padding: Padding2D,
                         out o: (height: Int, width: Int), weights: UnsafePointer<Float>,
                         into y: UnsafeMutablePointer<Float>) {
        y.update(repeating: bias[c], count: o.height * o.width)
        let s = stride
        for kx in 0..<kernel {
            // Output columns whose input column ox·s - left + kx lies inside the image.
            let shift = kx - padding.left
            let first = shift >= 0 ? 0 : (-shift + s - 1) / s
            let last = min(o.width - 1, (width - 1 - shift) >= 0 ? (width - 1 - shift) / s : -1)
            guard first <= last else { continue }
            for ky in 0..<kernel {
                let wv = weights[ky * kernel + kx]
                for oy in 0..<o.height {
                    let iy = oy * s - padding.top + ky
                    guard iy >= 0 && iy < height else { continue }
                    let src = x + iy * width + shift
                    let dst = y + oy * o.width
                    if s == 1 {
                        for ox in first...last { dst[ox] += wv * src[ox] }
                    } else {
                        for ox in first...last { dst[ox] += wv * src[ox * s] }
                    }
                }
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
