import Foundation
import MMTensor

/// A CLIP checkpoint's `config.json` (Hugging Face `CLIPConfig`), with its own key names.
///
/// Keys the file leaves out take transformers' defaults, which are ViT-B/32's, exactly as
/// `CLIPConfig.from_pretrained` fills them; so do the sizes of other checkpoints (ViT-B/16,
/// ViT-L/14) come from their files with no code change. The fields are `var` so that a caller
/// can try a variant of a checkpoint's configuration (another `hidden_act`, say).
public struct CLIPConfig: ConfigFile, Equatable {
    public var text_config = CLIPTextConfig()
    public var vision_config = CLIPVisionConfig()
    public var projection_dim = 512
    public var logit_scale_init_value = 2.6592

    /// transformers' defaults: openai/clip-vit-base-patch32.
    public init() {}

    /// The activations the towers are checked with (`hidden_act`).
    static let activations: [HiddenActivation] = [.quickGELU, .gelu]

    public static let kind = "CLIP config.json"
    public static var nestedSections: [String: any ConfigSection.Type] {
        ["text_config": CLIPTextConfig.self, "vision_config": CLIPVisionConfig.self]
    }

    /// Older exports carry `text_config_dict` / `vision_config_dict`; as in transformers, their
    /// entries override `text_config` / `vision_config`.
    public static func normalize(_ object: inout [String: Any]) throws {
        for tower in ["text_config", "vision_config"] {
            if let overrides = object[tower + "_dict"] as? [String: Any] {
                object[tower] = ((object[tower] as? [String: Any]) ?? [:]).merging(overrides) { $1 }
            }
        }
    }

    /// Checks what the networks rely on; the error names `file` and the key.
    public func validate(file: String = "config.json") throws {
        try text_config.validate(file: file)
        try vision_config.validate(file: file)
        try ConfigCheck.count(projection_dim, atMost: ModelLimits.width, key: "projection_dim", file: file)
    }
}

/// `text_config` of a CLIP `config.json` (Hugging Face `CLIPTextConfig`).
public struct CLIPTextConfig: ConfigSection, Equatable {
    public var vocab_size = 49408
    public var hidden_size = 512
    public var intermediate_size = 2048
    public var num_hidden_layers = 12
    public var num_attention_heads = 8
    public var max_position_embeddings = 77
    public var hidden_act = "quick_gelu"
    public var layer_norm_eps = 1e-5
    public var bos_token_id = 49406
    /// Pooling reads the hidden state at this token (see `CLIPTextTransformer.poolingPosition`).
    public var eos_token_id = 49407
    public var pad_token_id = 1

    public init() {}

    public var headDim: Int { hidden_size / num_attention_heads }

    /// The feed-forward activation `hidden_act` names; the error names `file` and the key.
    public func activation(file: String = "config.json") throws -> HiddenActivation {
        try HiddenActivation(hidden_act, key: "text_config: hidden_act", file: file, supported: CLIPConfig.activations)
    }

    func validate(file: String) throws {
        try ConfigCheck.textTransformer(.init(vocab_size: vocab_size, hidden_size: hidden_size,
                                              num_hidden_layers: num_hidden_layers, num_attention_heads: num_attention_heads,
                                              intermediate_size: intermediate_size,
                                              max_position_embeddings: max_position_embeddings,
                                              layer_norm_eps: layer_norm_eps, endTokens: "<|startoftext|> and <|endoftext|>"),
                                        in: "text_config", file: file)
        for (key, id) in [("bos_token_id", bos_token_id), ("eos_token_id", eos_token_id), ("pad_token_id", pad_token_id)] {
            try ConfigCheck.value(id, in: 0...(vocab_size - 1), key: key, in: "text_config", file: file)
        }
        _ = try activation(file: file)
    }
}

/// `vision_config` of a CLIP `config.json` (Hugging Face `CLIPVisionConfig`).
public struct CLIPVisionConfig: ConfigSection, Equatable {
    public var hidden_size = 768
    public var intermediate_size = 3072
    public var num_hidden_layers = 12
    public var num_attention_heads = 12
    public var num_channels = 3
    public var image_size = 224
    public var patch_size = 32
    public var hidden_act = "quick_gelu"
    public var layer_norm_eps = 1e-5

    public init() {}

    public var headDim: Int { hidden_size / num_attention_heads }
    /// Patches along one side of the (square) input.
    public var gridSize: Int { image_size / patch_size }
    /// Tokens per image: the class token and one per patch.
    public var tokenCount: Int { gridSize * gridSize + 1 }

    /// The feed-forward activation `hidden_act` names; the error names `file` and the key.
    public func activation(file: String = "config.json") throws -> HiddenActivation {
        try HiddenActivation(hidden_act, key: "vision_config: hidden_act", file: file, supported: CLIPConfig.activations)
    }

    func validate(file: String) throws {
        try ConfigCheck.counts(["hidden_size": (hidden_size, ModelLimits.width),
                                "intermediate_size": (intermediate_size, ModelLimits.width),
                                "num_hidden_layers": (num_hidden_layers, ModelLimits.layers),
                                "num_attention_heads": (num_attention_heads, ModelLimits.heads),
                                "image_size": (image_size, ModelLimits.imageSide),
                                "patch_size": (patch_size, ModelLimits.kernel)],
                               in: "vision_config", file: file)
        guard num_channels == 3 else {
            throw WeightsError(file, "vision_config: num_channels \(num_channels) is not supported (RGB only)")
        }
        guard hidden_size % num_attention_heads == 0 else {
            throw WeightsError(file, "vision_config: hidden_size \(hidden_size) is not a multiple of num_attention_heads \(num_attention_heads)")
        }
        guard image_size % patch_size == 0 else {
            throw WeightsError(file, "vision_config: image_size \(image_size) is not a multiple of patch_size \(patch_size)")
        }
        guard tokenCount <= ModelLimits.sequence else {
            throw WeightsError(file, "vision_config: image_size \(image_size) / patch_size \(patch_size) makes \(tokenCount) tokens, more than \(ModelLimits.sequence), the largest accepted")
        }
        let widest = max(3 * hidden_size, intermediate_size, num_channels * patch_size * patch_size)
        try ConfigCheck.activation(max(tokenCount * widest, num_channels * image_size * image_size),
                                   "\(tokenCount) tokens × the widest layer \(widest), or the \(image_size)x\(image_size) image,",
                                   in: "vision_config", file: file)
        try ConfigCheck.value(layer_norm_eps, above: 0, atMost: 1, key: "layer_norm_eps", in: "vision_config", file: file)
        _ = try activation(file: file)
    }
}
