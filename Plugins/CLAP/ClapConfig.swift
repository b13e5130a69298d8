import Foundation
import MMTensor

/// A CLAP checkpoint's `config.json` (Hugging Face `ClapConfig`), with its own key names.
///
/// Keys the file leaves out take transformers' defaults, which are laion/clap-htsat-unfused's
/// architecture (HTSAT-base audio tower, RoBERTa-base text tower): that checkpoint's own file
/// sets no architecture value of its own. As in transformers, the top-level `projection_dim`
/// and `projection_hidden_act` are the ones both projection heads use.
public struct ClapConfig: ConfigFile, Equatable {
    public var text_config = ClapTextConfig()
    public var audio_config = ClapAudioConfig()
    public var projection_dim = 512
    public var projection_hidden_act = "relu"
    public var logit_scale_init_value = 1 / 0.07

    /// transformers' defaults: laion/clap-htsat-unfused.
    public init() {}

    /// The activations the towers and projections are checked with.
    static let activations: [HiddenActivation] = [.gelu, .relu]

    public static let kind = "CLAP config.json"
    public static var nestedSections: [String: any ConfigSection.Type] {
        ["text_config": ClapTextConfig.self, "audio_config": ClapAudioConfig.self]
    }

    /// The projection heads' activation (`projection_hidden_act`); the error names `file`.
    public func projectionActivation(file: String = "config.json") throws -> HiddenActivation {
        try HiddenActivation(projection_hidden_act, key: "projection_hidden_act", file: file, supported: Self.activations)
    }

    /// Checks what the networks rely on; the error names `file` and the key.
    public func validate(file: String = "config.json") throws {
        try text_config.validate(file: file)
        try audio_config.validate(file: file)
        try ConfigCheck.count(projection_dim, atMost: ModelLimits.width, key: "projection_dim", file: file)
        _ = try projectionActivation(file: file)
    }
}

/// `text_config` of a CLAP `config.json` (Hugging Face `ClapTextConfig`): RoBERTa.
public struct ClapTextConfig: ConfigSection, Equatable {
    public var vocab_size = 50265
    public var hidden_size = 768
    public var num_hidden_layers = 12
    public var num_attention_heads = 12
    public var intermediate_size = 3072
    public var hidden_act = "gelu"
    public var max_position_embeddings = 514
    public var type_vocab_size = 1
    public var layer_norm_eps = 1e-12
    /// Also RoBERTa's padding index of the position embeddings: positions count from
    /// `pad_token_id + 1`.
    public var pad_token_id = 1
    public var bos_token_id = 0
    public var eos_token_id = 2

    public init() {}

    public var headDim: Int { hidden_size / num_attention_heads }

    /// The feed-forward activation `hidden_act` names; the error names `file` and the key.
    public func activation(file: String = "config.json") throws -> HiddenActivation {
        try HiddenActivation(hidden_act, key: "text_config: hidden_act", file: file, supported: ClapConfig.activations)
    }

    func validate(file: String) throws {
        try ConfigCheck.textTransformer(.init(vocab_size: vocab_size, hidden_size: hidden_size,
                                              num_hidden_layers: num_hidden_layers, num_attention_heads: num_attention_heads,
                                              intermediate_size: intermediate_size,
                                              max_position_embeddings: max_position_embeddings,
                                              type_vocab_size: type_vocab_size, layer_norm_eps: layer_norm_eps,
                                              endTokens: "<s> and </s>"),
                                        in: "text_config", file: file)
        guard pad_token_id >= 0, pad_token_id < max_position_embeddings - 2 else {
            throw WeightsError(file, "text_config: pad_token_id \(pad_token_id) leaves no positions of \(max_position_embeddings)")
        }
        for (key, id) in [("bos_token_id", bos_token_id), ("eos_token_id", eos_token_id), ("pad_token_id", pad_token_id)] {
            try ConfigCheck.value(id, in: 0...(vocab_size - 1), key: key, in: "text_config", file: file)
        }
        _ = try activation(file: file)
    }
}

/// `audio_config` of a CLAP `config.json` (Hugging Face `ClapAudioConfig`): HTSAT, a Swin
/// transformer over the log-mel spectrogram folded into a square image.
public struct ClapAudioConfig: ConfigSection, Equatable {
    public var window_size = 8
    public var num_mel_bins = 64
    public var spec_size = 256
    public var hidden_act = "gelu"
    public var patch_size = 4
    public var patch_stride = 4
    public var hidden_size = 768
    public var depths = [2, 2, 6, 2]
    public var num_attention_heads = [4, 8, 16, 32]
    public var enable_fusion = false
    public var patch_embed_input_channels = 1
    public var flatten_patch_embeds = true
    public var patch_embeds_hidden_size = 96
    public var enable_patch_layer_norm = true
    public var qkv_bias = true
    public var mlp_ratio = 4.0
    public var layer_norm_eps = 1e-5

    public init() {}

    /// `spec_size / num_mel_bins`: how many time slices of the spectrogram are stacked.
    public var freqRatio: Int { spec_size / num_mel_bins }
    /// Spectrogram frames the model takes (`spec_size · freqRatio`); fewer are interpolated.
    public var specWidth: Int { spec_size * freqRatio }
    /// Mel bins the model takes.
    public var specHeight: Int { spec_size / freqRatio }
    /// Patches along one side of the image.
    public var gridSize: Int { spec_size / patch_stride }
    /// Channels of stage `i` (`patch_embeds_hidden_size · 2^i`).
    public func stageDimension(_ i: Int) -> Int { patch_embeds_hidden_size << i }
    /// Side of the token grid at stage `i`.
    public func stageResolution(_ i: Int) -> Int { gridSize >> i }
    /// The feed-forward width of a block of `dim` channels (transformers' `int(mlp_ratio * dim)`).
    public func intermediateSize(_ dim: Int) -> Int { Int(mlp_ratio * Double(dim)) }

    /// The feed-forward activation `hidden_act` names; the error names `file` and the key.
    public func activation(file: String = "config.json") throws -> HiddenActivation {
        try HiddenActivation(hidden_act, key: "audio_config: hidden_act", file: file, supported: ClapConfig.activations)
    }

    /// `patch_size` / `patch_stride` may be one number or a list of equal numbers.
    public static func normalize(_ object: inout [String: Any]) throws {
        for key in ["patch_size", "patch_stride"] {
            guard let list = object[key] as? [Int] else { continue }
            guard let first = list.first, list.allSatisfy({ $0 == first }) else {
                throw ConfigValueError(key: key, "only square patches are supported, not \(list)")
            }
            object[key] = first
        }
    }

    func validate(file: String) throws {
        func fail(_ reason: String) -> WeightsError { WeightsError(file, "audio_config: " + reason) }
        try ConfigCheck.counts(["window_size": (window_size, ModelLimits.imageSide),
                                "num_mel_bins": (num_mel_bins, ModelLimits.melBins),
                                "spec_size": (spec_size, ModelLimits.imageSide),
                                "patch_size": (patch_size, ModelLimits.kernel),
                                "patch_stride": (patch_stride, ModelLimits.kernel),
                                "hidden_size": (hidden_size, ModelLimits.width),
                                "patch_embeds_hidden_size": (patch_embeds_hidden_size, ModelLimits.width)],
                               in: "audio_config", file: file)
        guard !enable_fusion else { throw fail("enable_fusion true (the fused model) is not supported") }
        guard patch_embed_input_channels == 1 else {
            throw fail("patch_embed_input_channels \(patch_embed_input_channels) is not supported (1)")
        }
        guard flatten_patch_embeds else { throw fail("flatten_patch_embeds false is not supported") }
        guard !depths.isEmpty, depths.allSatisfy({ $0 > 0 }), depths.count == num_attention_heads.count else {
            throw fail("depths \(depths) and num_attention_heads \(num_attention_heads) must be positive and as many")
        }
        // Each stage halves the grid: more stages than a grid can be halved are refused below;
        // this bound keeps `1 << stages` and the stages' widths from overflowing first.
        guard depths.count <= 16 else { throw fail("depths: \(depths.count) stages are more than 16, the largest accepted") }
        for (i, depth) in depths.enumerated() {
            try ConfigCheck.count(depth, atMost: ModelLimits.layers, key: "depths[\(i)]", in: "audio_config", file: file)
        }
        for (i, heads) in num_attention_heads.enumerated() {
            try ConfigCheck.count(heads, atMost: ModelLimits.heads, key: "num_attention_heads[\(i)]", in: "audio_config",
                                  file: file)
        }
        // transformers' Swin uses 4; the MLP's width is `int(mlp_ratio · channels)`.
        try ConfigCheck.value(mlp_ratio, above: 0, atMost: 64, key: "mlp_ratio", in: "audio_config", file: file)
        try ConfigCheck.value(layer_norm_eps, above: 0, atMost: 1, key: "layer_norm_eps", in: "audio_config", file: file)
        guard spec_size >= num_mel_bins, specHeight * freqRatio == spec_size, specHeight == num_mel_bins else {
            throw fail("spec_size \(spec_size) is not a multiple of num_mel_bins \(num_mel_bins)")
        }
        guard patch_size >= patch_stride, spec_size % patch_stride == 0 else {
            throw fail("patch_size \(patch_size) and patch_stride \(patch_stride) do not tile spec_size \(spec_size)")
        }
        let stages = depths.count
        guard gridSize * gridSize <= ModelLimits.sequence else {
            throw fail("spec_size \(spec_size) / patch_stride \(patch_stride) makes a \(gridSize)x\(gridSize) patch grid, more than \(ModelLimits.sequence) tokens, the largest accepted")
        }
        guard gridSize % (1 << (stages - 1)) == 0 else {
            throw fail("the \(gridSize)x\(gridSize) patch grid cannot be halved \(stages - 1) times")
        }
        guard hidden_size == stageDimension(stages - 1) else {
            throw fail("hidden_size \(hidden_size) is not patch_embeds_hidden_size \(patch_embeds_hidden_size) · 2^\(stages - 1)")
        }
        for i in 0..<stages {
            let dim = stageDimension(i), heads = num_attention_heads[i]
            guard heads > 0, dim % heads == 0 else {
                throw fail("stage \(i): \(dim) channels are not a multiple of num_attention_heads \(heads)")
            }
            guard intermediateSize(dim) > 0 else {
                throw fail("stage \(i): mlp_ratio \(mlp_ratio) gives \(dim) channels an MLP of no width")
            }
            // transformers shrinks the window to a smaller grid but keeps the bias table of the
            // configured window, so such a model does not run there either.
            guard stageResolution(i) >= window_size else {
                throw fail("stage \(i): the \(stageResolution(i))x\(stageResolution(i)) grid is smaller than window_size \(window_size)")
            }
        }
        // Stage 0 is the widest: later stages have a quarter of the tokens and twice the channels.
        let c0 = patch_embeds_hidden_size, window = min(window_size, gridSize)
        let padded = (gridSize + window - 1) / window * window
        let widest = max(3 * c0, intermediateSize(c0), patch_size * patch_size)
        try ConfigCheck.activation(max(padded * padded * widest, spec_size * spec_size),
                                   "the \(padded)x\(padded) padded patch grid × the widest layer \(widest), or the \(spec_size)x\(spec_size) spectrogram image,",
                                   in: "audio_config", file: file)
        _ = try activation(file: file)
    }
}
