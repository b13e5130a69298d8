import MMTensor

/// CLIP's image tower (`CLIPVisionModel` in transformers' modeling_clip.py), a ViT:
/// patch embedding (a stride-`patch_size` convolution without bias, computed as one product of
/// the unfolded patches with the kernel), a class token in front, position embeddings,
/// `pre_layrnorm`, the pre-norm transformer, and `post_layernorm` of the class token's final
/// state as the image's feature.
public struct CLIPVisionTransformer: Sendable {
    public let config: CLIPVisionConfig

    private let classEmbedding: [Float]     // [hidden]
    private let patchEmbedding: Linear      // conv kernel [hidden, 3, p, p] read as [hidden, 3·p·p]
    private let positionEmbedding: [Float]  // [1 + grid², hidden]
    private let preNorm: LayerNorm
    private let encoder: CLIPTransformer
    private let postNorm: LayerNorm

    /// Reads a `vision_model` view of the checkpoint.
    public init(config: CLIPVisionConfig, weights w: Weights) throws {
        let h = config.hidden_size, p = config.patch_size, c = config.num_channels
        self.config = config
        let e = w.scoped("embeddings")
        classEmbedding = try e.tensor("class_embedding", shape: [h])
        // Row o of the kernel, flattened in (channel, y, x) order, is output channel o's filter:
        // the same order `unfold` writes each patch in.
        patchEmbedding = Linear(weight: try e.tensor("patch_embedding.weight", shape: [h, c, p, p]), bias: nil,
                                inFeatures: c * p * p, outFeatures: h, precision: e.precision)
        positionEmbedding = try e.tensor("position_embedding.weight", shape: [config.tokenCount, h])
        // "pre_layrnorm" (sic) is the checkpoint's own spelling.
        preNorm = try LayerNorm(w.scoped("pre_layrnorm"), dim: h, eps: Float(config.layer_norm_eps))
        encoder = try CLIPTransformer(w.scoped("encoder"), layers: config.num_hidden_layers, hidden: h,
                                  intermediate: config.intermediate_size, heads: config.num_attention_heads,
                                  eps: config.layer_norm_eps,
                                  activation: config.activation(), causal: false)
        postNorm = try LayerNorm(w.scoped("post_layernorm"), dim: h, eps: Float(config.layer_norm_eps))
    }

    /// Floats of one input image: `[3, image_size, image_size]`.
    public var pixelCount: Int { config.num_channels * config.image_size * config.image_size }

    private enum Slot: Int { case hidden = 5, patches, projected }  // from CLIPTransformer.firstFreeSlot

    /// The pooled feature of each of `batch` images (`pixels`: `[batch, 3, S, S]`, CHW),
    /// written as rows of `out` (`[batch, hidden]`).
    func pooled(_ pixels: UnsafePointer<Float>, batch: Int, arena: ScratchArena,
                into out: UnsafeMutablePointer<Float>) {
        let h = config.hidden_size, tokens = config.tokenCount, patches = tokens - 1
        let features = patchEmbedding.inFeatures
        let unfolded = arena.buffer(Slot.patches.rawValue, count: batch * patches * features)
        let projected = arena.buffer(Slot.projected.rawValue, count: batch * patches * h)
        let x = arena.buffer(Slot.hidden.rawValue, count: batch * tokens * h)

        unfold(pixels, batch: batch, into: unfolded)
        patchEmbedding.forward(unfolded, rows: batch * patches, into: projected)
        // Token 0 is the class embedding, token 1 + i patch i; each plus its position embedding.
        classEmbedding.withUnsafeBufferPointer { cls in
            positionEmbedding.withUnsafeBufferPointer { pos in
                for b in 0..<batch {
                    let image = x + b * tokens * h
                    for j in 0..<h { image[j] = cls[j] + pos[j] }
                    for i in 0..<patches {
                        let row = image + (1 + i) * h, patch = projected + (b * patches + i) * h
                        let position = pos.baseAddress! + (1 + i) * h
                        for j in 0..<h { row[j] = patch[j] + position[j] }
                    }
                }
            }
        }
        preNorm(x, rows: batch * tokens)
        // Only the class token is read after the encoder.
        encoder(x, batch: batch, seqLen: tokens, lengths: Array(repeating: tokens, count: batch), arena: arena,
                onlyToken: 0)
        for b in 0..<batch {
            (out + b * h).update(from: x + b * tokens * h, count: h)
        }
        postNorm(out, rows: batch)
    }

    /// Patch `(gy, gx)` of image `b` becomes row `b · grid² + gy · grid + gx` of `out`, its
    /// values in (channel, y, x) order: the im2col of a convolution whose stride is its size.
    private func unfold(_ pixels: UnsafePointer<Float>, batch: Int, into out: UnsafeMutablePointer<Float>) {
        let p = config.patch_size, s = config.image_size, g = config.gridSize, channels = config.num_channels
        var o = out
        for b in 0..<batch {
            let image = pixels + b * channels * s * s
            for gy in 0..<g {
                for gx in 0..<g {
                    for c in 0..<channels {
                        for y in 0..<p {
                            o.update(from: image + (c * s + gy * p + y) * s + gx * p, count: p)
                            o += p
                        }
                    }
                }
            }
        }
    }
}
