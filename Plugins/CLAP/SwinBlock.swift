import Foundation
import MMTensor

/// Work buffers of the audio tower, one arena slot each.
enum HTSATSlot: Int {
    case hidden, merged, normed, windows, qkv, context, attended, intermediate, scores, patches
}

/// One Swin transformer block (`ClapAudioLayer`, transformers' `SwinLayer`) on a square grid of
/// tokens, pre-norm:
///
///     x = x + unwindow(W_o · attention(window(LN₁(x))))
///     x = x + W₂ act(W₁ LN₂(x))
///
/// `window` cuts the grid (zero-padded to whole windows, after the norm) into `w × w` windows,
/// after rolling it by `-shift` on both axes in the shifted blocks; attention runs inside each
/// window, per head, with a learned bias per relative position (`relative_position_bias_table`)
/// and, in shifted blocks, -100 between tokens that came from different regions of the rolled
/// grid (`get_attn_mask`). `unwindow` puts each token back where it came from; padding is
/// dropped. modeling_clap.py `ClapAudioLayer.forward`.
struct SwinBlock: Sendable {
    let dim: Int
    let heads: Int
    let window: Int
    let shift: Int
    let resolution: Int

    private let normBefore: LayerNorm
    private let qkv: Linear
    private let output: Linear
    private let normAfter: LayerNorm
    private let fc1: Linear
    private let fc2: Linear
    private let activation: HiddenActivation
    /// `[heads, w², w²]`: the relative position bias of each head.
    private let bias: [Float]
    /// For each window-ordered token of the padded, rolled grid, its token in the unpadded grid
    /// (`y · resolution + x`) or -1 for padding.
    private let source: [Int32]
    /// `[windows, w², w²]` of 0 / -100 for the windows that straddle regions (shifted blocks).
    private let masks: [Int: [Float]]

    var windowCount: Int { source.count / (window * window) }

    /// `resolution`: the grid's side; the window shrinks to it (and stops shifting) when the
    /// grid is no larger, as transformers' `set_shift_and_window_size` does.
    init(_ w: Weights, config: ClapAudioConfig, dim: Int, heads: Int, resolution: Int, shifted: Bool) throws {
        let eps = Float(config.layer_norm_eps), configured = config.window_size
        self.dim = dim
        self.heads = heads
        self.resolution = resolution
        window = min(configured, resolution)
        shift = shifted && resolution > configured ? configured / 2 : 0
        normBefore = try LayerNorm(w.scoped("layernorm_before"), dim: dim, eps: eps)
        let attention = w.scoped("attention.self")
        qkv = try Linear(fusing: ["query", "key", "value"], of: attention, inFeatures: dim, outFeatures: dim,
                         bias: config.qkv_bias)
        output = try Linear(w.scoped("attention.output.dense"), inFeatures: dim, outFeatures: dim)
        normAfter = try LayerNorm(w.scoped("layernorm_after"), dim: dim, eps: eps)
        let inner = config.intermediateSize(dim)
        fc1 = try Linear(w.scoped("intermediate.dense"), inFeatures: dim, outFeatures: inner)
        fc2 = try Linear(w.scoped("output.dense"), inFeatures: inner, outFeatures: dim)
        activation = try config.activation()

        // The table is for the configured window; a grid smaller than it is refused by the config.
        let side = 2 * configured - 1
        let table = try attention.tensor("relative_position_bias_table", shape: [side * side, heads])
        let n = window * window
        var bias = [Float](repeating: 0, count: heads * n * n)
        for i in 0..<n {
            for j in 0..<n {
                let dy = i / window - j / window + configured - 1, dx = i % window - j % window + configured - 1
                let row = dy * side + dx
                for h in 0..<heads { bias[(h * n + i) * n + j] = table[row * heads + h] }
            }
        }
        self.bias = bias
        (source, masks) = Self.layout(resolution: resolution, window: window, shift: shift)
    }

    /// Where each window token comes from, and the shift masks (see `source`, `masks`).
    private static func layout(resolution r: Int, window w: Int, shift s: Int) -> ([Int32], [Int: [Float]]) {
        let padded = (r + w - 1) / w * w, perRow = padded / w, n = w * w
        var source = [Int32](repeating: -1, count: padded * padded)
        var masks: [Int: [Float]] = [:]
        func region(_ v: Int) -> Int { (v >= padded - w ? 1 : 0) + (v >= padded - s ? 1 : 0) }
        for wy in 0..<perRow {
            for wx in 0..<perRow {
                let index = wy * perRow + wx
                var regions = [Int](repeating: 0, count: n)
                for p in 0..<n {
                    let Y = wy * w + p / w, X = wx * w + p % w
                    let y = (Y + s) % padded, x = (X + s) % padded
                    if y < r && x < r { source[index * n + p] = Int32(y * r + x) }
                    regions[p] = region(Y) * 3 + region(X)
                }
                if s > 0 && Set(regions).count > 1 {
                    var mask = [Float](repeating: 0, count: n * n)
                    for i in 0..<n { for j in 0..<n where regions[i] != regions[j] { mask[i * n + j] = -100 } }
                    masks[index] = mask
                }
            }
        }
        return (source, masks)
    }

    /// Runs the block over `x`, `[batch, resolution², dim]`, in place.
    func callAsFunction(_ x: UnsafeMutablePointer<Float>, batch: Int, arena: ScratchArena) {
        let tokens = resolution * resolution, c = dim, n = window * window
        let windowTokens = source.count, rows = batch * windowTokens
        let normed = arena.buffer(HTSATSlot.normed.rawValue, count: batch * tokens * c)
        let windows = arena.buffer(HTSATSlot.windows.rawValue, count: rows * c)
        let qkvOut = arena.buffer(HTSATSlot.qkv.rawValue, count: rows * 3 * c)
        let context = arena.buffer(HTSATSlot.context.rawValue, count: rows * c)
        let attended = arena.buffer(HTSATSlot.attended.rawValue, count: rows * c)
        let scores = arena.buffer(HTSATSlot.scores.rawValue, count: n * n)

        // Attention sub-layer: norm, then gather the (rolled) windows; padding rows are zeros.
        normed.update(from: x, count: batch * tokens * c)
        normBefore(normed, rows: batch * tokens)
        source.withUnsafeBufferPointer { source in
            for b in 0..<batch {
                for t in 0..<windowTokens {
                    let row = windows + (b * windowTokens + t) * c
                    let s = Int(source[t])
                    if s >= 0 {
                        row.update(from: normed + (b * tokens + s) * c, count: c)
                    } else {
                        row.update(repeating: 0, count: c)
                    }
                }
            }
        }
        qkv.forward(windows, rows: rows, into: qkvOut)
        let headDim = c / heads, scale = 1 / Float(headDim).squareRoot(), ld = 3 * c
        bias.withUnsafeBufferPointer { bias in
            for b in 0..<batch {
                for wi in 0..<windowCount {
                    let base = (b * windowTokens + wi * n)
                    let mask = masks[wi]
                    for h in 0..<heads {
                        let q = qkvOut + base * ld + h * headDim
                        BLAS.gemm(transB: true, m: n, n: n, k: headDim, alpha: scale,
                                  a: q, lda: ld, b: q + c, ldb: ld, c: scores, ldc: n)
                        Ops.add(bias.baseAddress! + h * n * n, into: scores, count: n * n)
                        if let mask { mask.withUnsafeBufferPointer { Ops.add($0.baseAddress!, into: scores, count: n * n) } }
                        Ops.softmaxRows(scores, rows: n, cols: n)
                        BLAS.gemm(m: n, n: headDim, k: n, a: scores, lda: n, b: q + 2 * c, ldb: ld,
                                  c: context + base * c + h * headDim, ldc: c)
                    }
                }
            }
        }
        output.forward(context, rows: rows, into: attended)
        // Each window token back to its place, added to the residual stream.
        source.withUnsafeBufferPointer { source in
            for b in 0..<batch {
                for t in 0..<windowTokens {
                    let s = Int(source[t])
                    if s >= 0 { Ops.add(attended + (b * windowTokens + t) * c, into: x + (b * tokens + s) * c, count: c) }
                }
            }
        }

        // Feed-forward sub-layer.
        let inner = fc1.outFeatures
        let hidden = arena.buffer(HTSATSlot.intermediate.rawValue, count: batch * tokens * inner)
        normed.update(from: x, count: batch * tokens * c)
        normAfter(normed, rows: batch * tokens)
        fc1.forward(normed, rows: batch * tokens, into: hidden)
        activation(hidden, count: batch * tokens * inner)
        fc2.accumulate(hidden, rows: batch * tokens, into: x)
    }
}

/// Swin's patch merging (`ClapAudioPatchMerging`): each 2 × 2 group of tokens becomes one, its
/// four vectors concatenated in the order (0,0), (1,0), (0,1), (1,1) (row, column), layer-normed
/// and reduced from 4C to 2C channels without bias.
struct PatchMerging: Sendable {
    let dim: Int
    private let norm: LayerNorm
    private let reduction: Linear

    init(_ w: Weights, dim: Int) throws {
        self.dim = dim
        norm = try LayerNorm(w.scoped("norm"), dim: 4 * dim, eps: 1e-5)
        reduction = try Linear(w.scoped("reduction"), inFeatures: 4 * dim, outFeatures: 2 * dim, bias: false)
    }

    /// `x`: `[batch, r², dim]` (r even) → `out`: `[batch, (r/2)², 2·dim]`.
    func callAsFunction(_ x: UnsafePointer<Float>, batch: Int, resolution r: Int,
                        into out: UnsafeMutablePointer<Float>, arena: ScratchArena) {
        let c = dim, half = r / 2, merged = half * half
        let gathered = arena.buffer(HTSATSlot.normed.rawValue, count: batch * merged * 4 * c)
        for b in 0..<batch {
            for i in 0..<half {
                for j in 0..<half {
                    var row = gathered + ((b * merged) + i * half + j) * 4 * c
                    for (dy, dx) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        row.update(from: x + (b * r * r + (2 * i + dy) * r + 2 * j + dx) * c, count: c)
                        row += c
                    }
                }
            }
        }
        norm(gathered, rows: batch * merged)
        reduction.forward(gathered, rows: batch * merged, into: out)
    }
}
