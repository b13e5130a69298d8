import Foundation
import MMTensor

/// A CLIP checkpoint's `config.json` (Hugging Face `CLIPConfig`), with its own key names.
///
/// Keys the file leaves out take transformers' defaults, which are ViT-B/32's, exactly as
/// `CLIPConfig.from_pretrained` fills them; so do the sizes of other checkpoints (ViT-B/16,
/// ViT-L/14) come from their files with no code change. The fields are `var` so that a caller
/// can try a variant of a checkpoint's configuration (another `hidden_act`, say).
public struct CLIPConfig: Decodable, Sendable, Equatable {
    public var text_config: CLIPTextConfig
    public var vision_config: CLIPVisionConfig
    public var projection_dim: Int
    public var logit_scale_init_value: Double

    /// transformers' defaults: openai/clip-vit-base-patch32.
    public init(text_config: CLIPTextConfig = CLIPTextConfig(), vision_config: CLIPVisionConfig = CLIPVisionConfig(),
                projection_dim: Int = 512, logit_scale_init_value: Double = 2.6592) {
        self.text_config = text_config
        self.vision_config = vision_config
        self.projection_dim = projection_dim
        self.logit_scale_init_value = logit_scale_init_value
    }

    private enum CodingKeys: String, CodingKey {
        case text_config, vision_config, projection_dim, logit_scale_init_value
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CLIPConfig()
        text_config = try c.decodeIfPresent(CLIPTextConfig.self, forKey: .text_config) ?? defaults.text_config
        vision_config = try c.decodeIfPresent(CLIPVisionConfig.self, forKey: .vision_config) ?? defaults.vision_config
        projection_dim = try c.decodeIfPresent(Int.self, forKey: .projection_dim) ?? defaults.projection_dim
        logit_scale_init_value = try c.decodeIfPresent(Double.self, forKey: .logit_scale_init_value)
            ?? defaults.logit_scale_init_value
    }

    /// Reads and checks `config.json`. Older exports carry `text_config_dict` /
    /// `vision_config_dict`; as in transformers, their entries override `text_config` /
    /// `vision_config`.
    public static func load(_ url: URL) throws -> CLIPConfig {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WeightsError(name, "cannot read: \(error.localizedDescription)")
        }
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw WeightsError(name, "not a CLIP config.json: not a JSON object")
        }
        for tower in ["text_config", "vision_config"] {
            if let overrides = object[tower + "_dict"] as? [String: Any] {
                object[tower] = ((object[tower] as? [String: Any]) ?? [:]).merging(overrides) { $1 }
            }
        }
        let config: CLIPConfig
        do {
            config = try JSONDecoder().decode(CLIPConfig.self, from: JSONSerialization.data(withJSONObject: object))
        } catch let error as DecodingError {
            throw WeightsError(name, "not a CLIP config.json (\(ConfigErrors.describe(error)))")
        }
        try config.validate(file: name)
        return config
    }

    /// Checks what the networks rely on; the error names `file` and the key.
    public func validate(file: String = "config.json") throws {
        try text_config.validate(file: file)
        try vision_config.validate(file: file)
        guard projection_dim > 0 else { throw WeightsError(file, "projection_dim \(projection_dim) must be positive") }
    }
}

/// `text_config` of a CLIP `config.json` (Hugging Face `CLIPTextConfig`).
public struct CLIPTextConfig: Decodable, Sendable, Equatable {
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

    private enum CodingKeys: String, CodingKey {
        case vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
             max_position_embeddings, hidden_act, layer_norm_eps, bos_token_id, eos_token_id, pad_token_id
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = CLIPTextConfig()
        d.vocab_size = try c.decodeIfPresent(Int.self, forKey: .vocab_size) ?? d.vocab_size
        d.hidden_size = try c.decodeIfPresent(Int.self, forKey: .hidden_size) ?? d.hidden_size
        d.intermediate_size = try c.decodeIfPresent(Int.self, forKey: .intermediate_size) ?? d.intermediate_size
        d.num_hidden_layers = try c.decodeIfPresent(Int.self, forKey: .num_hidden_layers) ?? d.num_hidden_layers
        d.num_attention_heads = try c.decodeIfPresent(Int.self, forKey: .num_attention_heads) ?? d.num_attention_heads
        d.max_position_embeddings = try c.decodeIfPresent(Int.self, forKey: .max_position_embeddings)
            ?? d.max_position_embeddings
        d.hidden_act = try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? d.hidden_act
        d.layer_norm_eps = try c.decodeIfPresent(Double.self, forKey: .layer_norm_eps) ?? d.layer_norm_eps
        d.bos_token_id = try c.decodeIfPresent(Int.self, forKey: .bos_token_id) ?? d.bos_token_id
        d.eos_token_id = try c.decodeIfPresent(Int.self, forKey: .eos_token_id) ?? d.eos_token_id
        d.pad_token_id = try c.decodeIfPresent(Int.self, forKey: .pad_token_id) ?? d.pad_token_id
        self = d
    }

    func validate(file: String) throws {
        try ConfigErrors.positive(["vocab_size": vocab_size, "hidden_size": hidden_size,
                                   "intermediate_size": intermediate_size, "num_hidden_layers": num_hidden_layers,
                                   "num_attention_heads": num_attention_heads,
                                   "max_position_embeddings": max_position_embeddings],
                                  in: "text_config", file: file)
        guard hidden_size % num_attention_heads == 0 else {
            throw WeightsError(file, "text_config: hidden_size \(hidden_size) is not a multiple of num_attention_heads \(num_attention_heads)")
        }
        _ = try CLIPActivation(hidden_act, tower: "text_config", file: file)
    }
}

/// `vision_config` of a CLIP `config.json` (Hugging Face `CLIPVisionConfig`).
public struct CLIPVisionConfig: Decodable, Sendable, Equatable {
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

    private enum CodingKeys: String, CodingKey {
        case hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_channels,
             image_size, patch_size, hidden_act, layer_norm_eps
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = CLIPVisionConfig()
        d.hidden_size = try c.decodeIfPresent(Int.self, forKey: .hidden_size) ?? d.hidden_size
        d.intermediate_size = try c.decodeIfPresent(Int.self, forKey: .intermediate_size) ?? d.intermediate_size
        d.num_hidden_layers = try c.decodeIfPresent(Int.self, forKey: .num_hidden_layers) ?? d.num_hidden_layers
        d.num_attention_heads = try c.decodeIfPresent(Int.self, forKey: .num_attention_heads) ?? d.num_attention_heads
        d.num_channels = try c.decodeIfPresent(Int.self, forKey: .num_channels) ?? d.num_channels
        d.image_size = try c.decodeIfPresent(Int.self, forKey: .image_size) ?? d.image_size
        d.patch_size = try c.decodeIfPresent(Int.self, forKey: .patch_size) ?? d.patch_size
        d.hidden_act = try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? d.hidden_act
        d.layer_norm_eps = try c.decodeIfPresent(Double.self, forKey: .layer_norm_eps) ?? d.layer_norm_eps
        self = d
    }

    func validate(file: String) throws {
        try ConfigErrors.positive(["hidden_size": hidden_size, "intermediate_size": intermediate_size,
                                   "num_hidden_layers": num_hidden_layers, "num_attention_heads": num_attention_heads,
                                   "image_size": image_size, "patch_size": patch_size],
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
        _ = try CLIPActivation(hidden_act, tower: "vision_config", file: file)
    }
}

/// The feed-forward activation a config names (`hidden_act`).
enum CLIPActivation: Sendable {
    /// `x · sigmoid(1.702 x)`, OpenAI CLIP's (transformers' "quick_gelu").
    case quickGELU
    /// The exact, erf-based GELU (transformers' "gelu").
    case gelu

    init(_ name: String, tower: String = "", file: String = "config.json") throws {
        switch name {
        case "quick_gelu": self = .quickGELU
        case "gelu": self = .gelu
        default:
            throw WeightsError(file, "\(tower.isEmpty ? "" : tower + ": ")hidden_act \(name) is not supported (quick_gelu or gelu)")
        }
    }

    func callAsFunction(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .quickGELU: Ops.quickGELU(x, count: count)
        case .gelu: Ops.gelu(x, count: count)
        }
    }
}

enum ConfigErrors {
    static func positive(_ values: KeyValuePairs<String, Int>, in tower: String, file: String) throws {
        for (key, value) in values where value <= 0 {
            throw WeightsError(file, "\(tower): \(key) \(value) must be positive")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? c.debugDescription : "\(path): \(c.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
