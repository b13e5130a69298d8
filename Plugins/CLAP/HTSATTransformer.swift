import Foundation
import MMTensor

/// CLAP's audio tower (`ClapAudioEncoder` in transformers' modeling_clap.py), HTSAT
/// (Chen et al. 2022) without its token-semantic head, as the unfused model runs it:
///
/// 1. batch norm of each mel bin (inference statistics: a per-bin scale and shift);
/// 2. the spectrogram made a square image (`reshape_mel2img`): stretched in time to
///    `spec_size · freq_ratio` frames (bicubic, `align_corners`), cut into `freq_ratio` slices of
///    `spec_size` frames stacked along frequency: a `spec_size × spec_size` image;
/// 3. patch embedding (a `patch_size` convolution, stride `patch_stride`), layer norm;
/// 4. Swin stages (`SwinBlock`s, alternately shifted), patch merging between stages;
/// 5. layer norm, and the mean over the last grid's tokens (`pooler_output`: the reshapes
///    transformers does before its average pooling only reorder tokens).
public struct HTSATTransformer: Sendable {
    public let config: ClapAudioConfig

    private let bnScale: [Float]   // [mel bins]
    private let bnShift: [Float]
    private let patchEmbedding: Conv2D
    private let patchPadding: Padding2D
    private let patchNorm: LayerNorm?
    private let stages: [(blocks: [SwinBlock], merging: PatchMerging?)]
    private let finalNorm: LayerNorm

    /// Reads an `audio_model.audio_encoder` view of the checkpoint.
    public init(config: ClapAudioConfig, weights w: Weights) throws {
        self.config = config
        let mels = config.num_mel_bins
        // transformers' inference batch norm: α = γ / √(var + ε), β' = β - mean · α, in float.
        let bn = w.scoped("batch_norm")
        let gamma = try bn.tensor("weight", shape: [mels]), beta = try bn.tensor("bias", shape: [mels])
        let mean = try bn.tensor("running_mean", shape: [mels]), variance = try bn.tensor("running_var", shape: [mels])
        var scale = [Float](repeating: 0, count: mels), shift = [Float](repeating: 0, count: mels)
        for m in 0..<mels {
            scale[m] = gamma[m] * (1 / (variance[m] + 1e-5).squareRoot())
            shift[m] = beta[m] - mean[m] * scale[m]
        }
        bnScale = scale
        bnShift = shift

        let k = config.patch_size, c0 = config.patch_embeds_hidden_size
        let pe = w.scoped("patch_embed")
        patchEmbedding = Conv2D(weight: try pe.tensor("proj.weight", shape: [c0, 1, k, k]),
                                bias: try pe.tensor("proj.bias", shape: [c0]),
                                inChannels: 1, outChannels: c0, kernel: k, stride: config.patch_stride)
        let pad = (k - config.patch_stride) / 2
        patchPadding = Padding2D(top: pad, left: pad, bottom: pad, right: pad)
        patchNorm = config.enable_patch_layer_norm ? try LayerNorm(pe.scoped("norm"), dim: c0, eps: 1e-5) : nil

        let count = config.depths.count
        stages = try (0..<count).map { i in
            let s = w.scoped("layers.\(i)"), dim = config.stageDimension(i)
            let blocks = try (0..<config.depths[i]).map { j in
                try SwinBlock(s.scoped("blocks.\(j)"), config: config, dim: dim, heads: config.num_attention_heads[i],
                              resolution: config.stageResolution(i), shifted: j % 2 == 1)
            }
            let merging = i < count - 1 ? try PatchMerging(s.scoped("downsample"), dim: dim) : nil
            return (blocks, merging)
        }
        finalNorm = try LayerNorm(w.scoped("norm"), dim: config.hidden_size, eps: 1e-5)
    }

    /// The pooled feature of each of `batch` log-mel spectrograms (`features`:
    /// `[batch, frames, num_mel_bins]`, frames ≤ `specWidth`), written as rows of `out`
    /// (`[batch, hidden_size]`).
    func pooled(_ features: UnsafePointer<Float>, batch: Int, frames: Int, arena: ScratchArena,
                into out: UnsafeMutablePointer<Float>) {
        let c = config, s = c.spec_size
        let image = arena.buffer(HTSATSlot.patches.rawValue, count: batch * s * s)
        for b in 0..<batch {
            melImage(features + b * frames * c.num_mel_bins, frames: frames, into: image + b * s * s)
        }

        // Patch embedding: the image is an NHWC map with one channel.
        let grid = c.gridSize, c0 = c.patch_embeds_hidden_size
        let hidden = arena.buffer(HTSATSlot.hidden.rawValue, count: batch * grid * grid * c0)
        let unfolded = arena.buffer(HTSATSlot.windows.rawValue,
                                    count: patchEmbedding.scratchCount(batch: batch, height: s, width: s, padding: patchPadding))
        patchEmbedding.forward(image, batch: batch, height: s, width: s, padding: patchPadding,
                               into: hidden, scratch: unfolded)
        patchNorm?(hidden, rows: batch * grid * grid)

        var x = hidden
        for (i, stage) in stages.enumerated() {
            for block in stage.blocks { block(x, batch: batch, arena: arena) }
            if let merging = stage.merging {
                let r = c.stageResolution(i)
                let next = arena.buffer(i % 2 == 0 ? HTSATSlot.merged.rawValue : HTSATSlot.hidden.rawValue,
                                        count: batch * (r / 2) * (r / 2) * 2 * merging.dim)
                merging(x, batch: batch, resolution: r, into: next, arena: arena)
                x = next
            }
        }
        let last = c.stageResolution(stages.count - 1), tokens = last * last, h = c.hidden_size
        finalNorm(x, rows: batch * tokens)
        for b in 0..<batch {
            let row = out + b * h
            row.update(repeating: 0, count: h)
            for t in 0..<tokens { Ops.add(x + (b * tokens + t) * h, into: row, count: h) }
            for j in 0..<h { row[j] /= Float(tokens) }
        }
    }

    /// Batch norm, the time stretch and the fold of one spectrogram into `image`
    /// (`[spec_size, spec_size]`: row `k · mels + f`, column `t` is frame `k · spec_size + t` of
    /// mel bin `f`).
    private func melImage(_ mel: UnsafePointer<Float>, frames: Int, into image: UnsafeMutablePointer<Float>) {
        let c = config, mels = c.num_mel_bins, s = c.spec_size, width = c.specWidth
        var normed = [Float](repeating: 0, count: frames * mels)
        for t in 0..<frames {
            for f in 0..<mels { normed[t * mels + f] = mel[t * mels + f] * bnScale[f] + bnShift[f] }
        }
        let stretch = frames < width ? BicubicStretch(from: frames, to: width) : nil
        for k in 0..<c.freqRatio {
            for t in 0..<s {
                let frame = k * s + t
                for f in 0..<mels {
                    let v: Float
                    if let stretch {
                        v = stretch.value(at: frame) { normed[$0 * mels + f] }
                    } else {
                        v = normed[frame * mels + f]
                    }
                    image[(k * mels + f) * s + t] = v
                }
            }
        }
    }
}

/// PyTorch's bicubic interpolation along one axis with `align_corners=True`
/// (`upsample_bicubic2d`, A = -0.75, edge samples repeated), with its float32 arithmetic:
/// source position `scale · i`, `scale = (in - 1) / (out - 1)`.
struct BicubicStretch: Sendable {
    let index: [Int]        // the first of the four source samples (before clamping)
    let weights: [Float]    // four per output sample
    let inputCount: Int

    init(from input: Int, to output: Int) {
        inputCount = input
        let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
        let a: Float = -0.75
        func near(_ t: Float) -> Float { ((a + 2) * t - (a + 3)) * t * t + 1 }
        func far(_ t: Float) -> Float { ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
        var index: [Int] = [], weights: [Float] = []
        for i in 0..<output {
            let real = scale * Float(i)
            let base = Int(real.rounded(.down))
            let t = real - Float(base)
            index.append(base - 1)
            weights += [far(t + 1), near(t), near(1 - t), far(2 - t)]
        }
        self.index = index
        self.weights = weights
    }

    func value(at i: Int, _ sample: (Int) -> Float) -> Float {
        var sum: Float = 0
        for k in 0..<4 {
            let j = min(max(index[i] + k, 0), inputCount - 1)
            sum += weights[4 * i + k] * sample(j)
        }
        return sum
    }
}
