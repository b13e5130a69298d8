import Foundation
import MMTensor

/// EfficientNet-Lite (Tan & Le 2019; the Lite variants: no squeeze-excitation, ReLU6, fixed stem
/// and head) as in efficientnet-lite-pytorch's `model.py`, for inference: every batch norm is
/// folded into the convolution before it at load time.
///
/// Activations flow in NHWC layout (`[batch, h, w, channels]`): each 1×1 convolution is one
/// matrix product for the whole batch and the depthwise convolutions vectorise across channels.
public struct EfficientNetLite: Sendable {
    /// The precision its products run at.
    public let precision: Precision
    public let config: EfficientNetConfig
    private let stem: Conv2D
    private let blocks: [MBConvBlock]
    private let head: Conv2D
    private let classifier: Linear
    /// Floats of the widest activation of one image: each of `logits`' three work buffers
    /// holds this many per image.
    private let activationFloats: Int

    /// Mobile inverted bottleneck (`MBConvBlock`): expand 1×1 → depthwise k×k → project 1×1,
    /// with a residual connection when shape allows.
    struct MBConvBlock: Sendable {
        let expand: Conv2D?
        let depthwise: DepthwiseConv2D
        let project: Conv2D
        let residual: Bool
    }

    /// `weights.precision` is the expansions', the head's and the classifier's; the stem, the
    /// depthwise convolutions and the projections stay f32.
    public init(config: EfficientNetConfig, weights w: Weights) throws {
        self.config = config
        precision = w.precision
        let eps = Float(config.batch_norm_epsilon)
        let divisor = config.depth_divisor ?? 8

        func roundFilters(_ filters: Int, fixed: Bool = false) -> Int {
            // utils.round_filters: scale by width, round to a multiple of the divisor, never
            // more than 10 % below the scaled value.
            if fixed || config.width_coefficient == 1 { return filters }
            let scaled = Double(filters) * config.width_coefficient
            var rounded = max(divisor, Int(scaled + Double(divisor) / 2) / divisor * divisor)
            if Double(rounded) < 0.9 * scaled { rounded += divisor }
            return rounded
        }
        func conv(_ w: Weights, _ name: String, bn: String, inC: Int, outC: Int, k: Int, stride: Int) throws -> Conv2D {
            let weight = try w.tensor("\(name).weight", shape: [outC, inC, k, k])
            let folded = try BatchNormFolding.fold(weight: weight, outChannels: outC, batchNorm: w.scoped(bn), eps: eps)
            return Conv2D(weight: folded.weight, bias: folded.bias, inChannels: inC, outChannels: outC, kernel: k, stride: stride,
                          precision: w.precision)
        }

        let stemChannels = roundFilters(32, fixed: config.fix_head_stem)
        // The stem reads pixels and is small (27 inputs per output): f32 at any precision.
        stem = try conv(w.at(.f32), "_conv_stem", bn: "_bn0", inC: 3, outC: stemChannels, k: 3, stride: 2)

        var blocks: [MBConvBlock] = []
        let stages = try config.blocks_args.enumerated().map { try BlockArgs($1, key: "blocks_args[\($0)]") }
        for (i, var args) in stages.enumerated() {
            let isEnd = i == 0 || i == stages.count - 1
            args.inputFilters = roundFilters(args.inputFilters)
            args.outputFilters = roundFilters(args.outputFilters)
            if config.fix_head_stem && isEnd {
                if i == 0 { args.inputFilters = stemChannels }
            } else {
                args.repeats = Int((config.depth_coefficient * Double(args.repeats)).rounded(.up))
            }
            for r in 0..<args.repeats {
                let b = w.scoped("_blocks.\(blocks.count)")
                let inC = r == 0 ? args.inputFilters : args.outputFilters
                let stride = r == 0 ? args.stride : 1
                let mid = inC * args.expandRatio
                guard mid <= ModelLimits.width else {
                    throw WeightsError("config.json", "blocks_args[\(i)] \(config.blocks_args[i]): \(inC) filters expanded \(args.expandRatio) times is more than \(ModelLimits.width) channels, the largest accepted")
                }
                let expand = args.expandRatio == 1 ? nil
                    : try conv(b, "_expand_conv", bn: "_bn0", inC: inC, outC: mid, k: 1, stride: 1)
                let dwWeight = try b.tensor("_depthwise_conv.weight", shape: [mid, 1, args.kernel, args.kernel])
                let dw = try BatchNormFolding.fold(weight: dwWeight, outChannels: mid, batchNorm: b.scoped("_bn1"), eps: eps)
                let projWeight = try b.tensor("_project_conv.weight", shape: [args.outputFilters, mid, 1, 1])
                let proj = try BatchNormFolding.fold(weight: projWeight, outChannels: args.outputFilters,
                                                     batchNorm: b.scoped("_bn2"), eps: eps)
                blocks.append(MBConvBlock(
                    expand: expand,
                    depthwise: DepthwiseConv2D(weight: dw.weight, bias: dw.bias, channels: mid,
                                               kernel: args.kernel, stride: stride),
                    // The projections (linear bottlenecks, no activation) stay f32: with them at
                    // int8 the reference's top-5 classes held on 61 of 70 photos; without, 67
                    // (Tests/MMEfficientNetTests/EfficientNetInt8Tests.swift).
                    project: Conv2D(weight: proj.weight, bias: proj.bias, inChannels: mid,
                                    outChannels: args.outputFilters, kernel: 1, stride: 1, precision: .f32),
                    residual: args.idSkip && stride == 1 && inC == args.outputFilters))
            }
        }
        self.blocks = blocks
        guard !w.contains("_blocks.\(blocks.count)._depthwise_conv.weight") else {
            throw WeightsError(w.file.url.lastPathComponent, "checkpoint has more blocks than the configuration (\(blocks.count))")
        }
        let lastChannels = blocks.last?.project.outChannels ?? stemChannels
        let headChannels = roundFilters(1280, fixed: config.fix_head_stem)
        head = try conv(w, "_conv_head", bn: "_bn1", inC: lastChannels, outC: headChannels, k: 1, stride: 1)
        classifier = try Linear(w.scoped("_fc"), inFeatures: headChannels, outFeatures: config.num_classes)
        activationFloats = Self.widestActivation(size: config.image_size, stem: stem, blocks: blocks, head: head)
        try ConfigCheck.activation(activationFloats, "image_size \(config.image_size) with the blocks' channels",
                                   file: "config.json")
    }

    /// The widest activation of one image, in floats: the input, the stem's input rows and
    /// output, every block's expanded and projected maps and the head's, each at its resolution.
    private static func widestActivation(size: Int, stem: Conv2D, blocks: [MBConvBlock], head: Conv2D) -> Int {
        var h = Padding2D.same(height: size, width: size, kernel: 3, stride: 2)
            .outputSize(height: size, width: size, kernel: 3, stride: 2).height
        // The stem's im2col rows have a buffer of their own, no larger than this either.
        var largest = max(3 * size * size, stem.outChannels * h * h, stem.inChannels * stem.kernel * stem.kernel * h * h)
        for block in blocks {
            largest = max(largest, block.depthwise.channels * h * h)
            h = (h + block.depthwise.stride - 1) / block.depthwise.stride
            largest = max(largest, block.depthwise.channels * h * h, block.project.outChannels * h * h)
        }
        return max(largest, head.outChannels * h * h)
    }

    private enum Slot: Int { case a, b, c, im2col }

    /// Logits `[batch × num_classes]` for preprocessed images given as NCHW float32
    /// `[batch, 3, size, size]` with `size = config.image_size` (the reference's tensor layout).
    public func logits(_ images: UnsafePointer<Float>, batch: Int, arena: ScratchArena) -> [Float] {
        let size = config.image_size
        let hw = size * size
        let stemPad = Padding2D.same(height: size, width: size, kernel: 3, stride: 2)
        let largest = activationFloats
        let a = arena.buffer(Slot.a.rawValue, count: batch * largest)
        let b = arena.buffer(Slot.b.rawValue, count: batch * largest)
        let c = arena.buffer(Slot.c.rawValue, count: batch * largest)

        // NCHW → NHWC.
        for n in 0..<batch {
            let src = images + n * 3 * hw, dst = a + n * 3 * hw
            for p in 0..<hw {
                dst[3 * p] = src[p]
                dst[3 * p + 1] = src[hw + p]
                dst[3 * p + 2] = src[2 * hw + p]
            }
        }
        let cols = arena.buffer(Slot.im2col.rawValue, count: stem.scratchCount(batch: batch, height: size, width: size, padding: stemPad))
        stem.forward(a, batch: batch, height: size, width: size, padding: stemPad, activation: .relu6, into: b, scratch: cols)
        var h = stemPad.outputSize(height: size, width: size, kernel: 3, stride: 2).height

        // x lives in `x`; t1 and t2 hold the block's intermediate results.
        var (x, t1, t2) = (b, a, c)
        for block in blocks {
            let dw = block.depthwise
            let pad = Padding2D.same(height: h, width: h, kernel: dw.kernel, stride: dw.stride)
            let outH = pad.outputSize(height: h, width: h, kernel: dw.kernel, stride: dw.stride).height
            var depthwiseIn = x, depthwiseOut = t1, out = t2
            if let expand = block.expand {
                expand.forward(x, batch: batch, height: h, width: h, padding: .zero, activation: .relu6,
                               into: t1, scratch: nil)
                (depthwiseIn, depthwiseOut, out) = (t1, t2, t1)
            }
            dw.forward(depthwiseIn, batch: batch, height: h, width: h, padding: pad, activation: .relu6, into: depthwiseOut)
            block.project.forward(depthwiseOut, batch: batch, height: outH, width: outH, padding: .zero, into: out, scratch: nil)
            if block.residual {
                Ops.add(x, into: out, count: batch * outH * outH * block.project.outChannels)
            }
            if out == t1 { swap(&x, &t1) } else { swap(&x, &t2) }
            h = outH
        }
        head.forward(x, batch: batch, height: h, width: h, padding: .zero, activation: .relu6, into: t1, scratch: nil)

        // Global average pooling → [batch × channels], then the classifier.
        let channels = head.outChannels, spatial = h * h
        var pooled = [Float](repeating: 0, count: batch * channels)
        for n in 0..<batch {
            for p in 0..<spatial {
                let pixel = t1 + (n * spatial + p) * channels
                for ch in 0..<channels { pooled[n * channels + ch] += pixel[ch] }
            }
            for ch in 0..<channels { pooled[n * channels + ch] /= Float(spatial) }
        }
        var logits = [Float](repeating: 0, count: batch * config.num_classes)
        pooled.withUnsafeBufferPointer { p in
            logits.withUnsafeMutableBufferPointer { l in
                classifier.forward(p.baseAddress!, rows: batch, into: l.baseAddress!)
            }
        }
        return logits
    }
}
