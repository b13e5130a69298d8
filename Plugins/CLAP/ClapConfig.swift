import Foundation
import MMTensor

/// A CLAP checkpoint's `config.json` (Hugging Face `ClapConfig`), with its own key names.
///
/// Keys the file leaves out take transformers' defaults, which are laion/clap-htsat-unfused's
/// architecture (HTSAT-base audio tower, RoBERTa-base text tower): that checkpoint's own file
/// sets no architecture value of its own. As in transformers, the top-level `projection_dim`
/// and `projection_hidden_act` are the ones both projection heads use.
public struct ClapConfig: Decodable, Sendable, Equatable {
    public var text_config: ClapTextConfig
    public var audio_config: ClapAudioConfig
    public var projection_dim: Int
    public var projection_hidden_act: String
    public var logit_scale_init_value: Double

    /// transformers' defaults: laion/clap-htsat-unfused.
    public init(text_config: ClapTextConfig = ClapTextConfig(), audio_config: ClapAudioConfig = ClapAudioConfig(),
                projection_dim: Int = 512, projection_hidden_act: String = "relu",
                logit_scale_init_value: Double = 1 / 0.07) {
        self.text_config = text_config
        self.audio_config = audio_config
        self.projection_dim = projection_dim
        self.projection_hidden_act = projection_hidden_act
        self.logit_scale_init_value = logit_scale_init_value
    }

    private enum CodingKeys: String, CodingKey {
        case text_config, audio_config, projection_dim, projection_hidden_act, logit_scale_init_value
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClapConfig()
        text_config = try c.decodeIfPresent(ClapTextConfig.self, forKey: .text_config) ?? d.text_config
        audio_config = try c.decodeIfPresent(ClapAudioConfig.self, forKey: .audio_config) ?? d.audio_config
        projection_dim = try c.decodeIfPresent(Int.self, forKey: .projection_dim) ?? d.projection_dim
        projection_hidden_act = try c.decodeIfPresent(String.self, forKey: .projection_hidden_act) ?? d.projection_hidden_act
        logit_scale_init_value = try c.decodeIfPresent(Double.self, forKey: .logit_scale_init_value) ?? d.logit_scale_init_value
    }

    /// Reads and checks `config.json`; errors name the file and the key.
    public static func load(_ url: URL) throws -> ClapConfig {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WeightsError(name, "cannot read: \(error.localizedDescription)")
        }
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw WeightsError(name, "not a CLAP config.json: not a JSON object")
        }
        let config: ClapConfig
        do {
            config = try JSONDecoder().decode(ClapConfig.self, from: data)
        } catch let error as DecodingError {
            throw WeightsError(name, "not a CLAP config.json (\(ClapConfigErrors.describe(error)))")
        }
        try config.validate(file: name)
        return config
    }

    /// Checks what the networks rely on; the error names `file` and the key.
    public func validate(file: String = "config.json") throws {
        try text_config.validate(file: file)
        try audio_config.validate(file: file)
        guard projection_dim > 0 else { throw WeightsError(file, "projection_dim \(projection_dim) must be positive") }
        _ = try ClapActivation(projection_hidden_act, key: "projection_hidden_act", file: file)
    }
}

/// `text_config` of a CLAP `config.json` (Hugging Face `ClapTextConfig`): RoBERTa.
public struct ClapTextConfig: Decodable, Sendable, Equatable {
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

    private enum CodingKeys: String, CodingKey {
        case vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, hidden_act,
             max_position_embeddings, type_vocab_size, layer_norm_eps, pad_token_id, bos_token_id, eos_token_id
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = ClapTextConfig()
        d.vocab_size = try c.decodeIfPresent(Int.self, forKey: .vocab_size) ?? d.vocab_size
        d.hidden_size = try c.decodeIfPresent(Int.self, forKey: .hidden_size) ?? d.hidden_size
        d.num_hidden_layers = try c.decodeIfPresent(Int.self, forKey: .num_hidden_layers) ?? d.num_hidden_layers
        d.num_attention_heads = try c.decodeIfPresent(Int.self, forKey: .num_attention_heads) ?? d.num_attention_heads
        d.intermediate_size = try c.decodeIfPresent(Int.self, forKey: .intermediate_size) ?? d.intermediate_size
        d.hidden_act = try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? d.hidden_act
        d.max_position_embeddings = try c.decodeIfPresent(Int.self, forKey: .max_position_embeddings)
            ?? d.max_position_embeddings
        d.type_vocab_size = try c.decodeIfPresent(Int.self, forKey: .type_vocab_size) ?? d.type_vocab_size
        d.layer_norm_eps = try c.decodeIfPresent(Double.self, forKey: .layer_norm_eps) ?? d.layer_norm_eps
        d.pad_token_id = try c.decodeIfPresent(Int.self, forKey: .pad_token_id) ?? d.pad_token_id
        d.bos_token_id = try c.decodeIfPresent(Int.self, forKey: .bos_token_id) ?? d.bos_token_id
        d.eos_token_id = try c.decodeIfPresent(Int.self, forKey: .eos_token_id) ?? d.eos_token_id
        self = d
    }

    func validate(file: String) throws {
        try ClapConfigErrors.positive(["vocab_size": vocab_size, "hidden_size": hidden_size,
                                       "num_hidden_layers": num_hidden_layers, "num_attention_heads": num_attention_heads,
                                       "intermediate_size": intermediate_size,
                                       "max_position_embeddings": max_position_embeddings,
                                       "type_vocab_size": type_vocab_size],
                                      in: "text_config", file: file)
        guard hidden_size % num_attention_heads == 0 else {
            throw WeightsError(file, "text_config: hidden_size \(hidden_size) is not a multiple of num_attention_heads \(num_attention_heads)")
        }
        guard pad_token_id >= 0, pad_token_id + 2 < max_position_embeddings else {
            throw WeightsError(file, "text_config: pad_token_id \(pad_token_id) leaves no positions of \(max_position_embeddings)")
        }
        _ = try ClapActivation(hidden_act, key: "text_config: hidden_act", file: file)
    }
}

/// `audio_config` of a CLAP `config.json` (Hugging Face `ClapAudioConfig`): HTSAT, a Swin
/// transformer over the log-mel spectrogram folded into a square image.
public struct ClapAudioConfig: Decodable, Sendable, Equatable {
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

    private enum CodingKeys: String, CodingKey {
        case window_size, num_mel_bins, spec_size, hidden_act, patch_size, patch_stride, hidden_size, depths,
             num_attention_heads, enable_fusion, patch_embed_input_channels, flatten_patch_embeds,
             patch_embeds_hidden_size, enable_patch_layer_norm, qkv_bias, mlp_ratio, layer_norm_eps
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = ClapAudioConfig()
        d.window_size = try c.decodeIfPresent(Int.self, forKey: .window_size) ?? d.window_size
        d.num_mel_bins = try c.decodeIfPresent(Int.self, forKey: .num_mel_bins) ?? d.num_mel_bins
        d.spec_size = try c.decodeIfPresent(Int.self, forKey: .spec_size) ?? d.spec_size
        d.hidden_act = try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? d.hidden_act
        d.patch_size = try Self.square(c, .patch_size) ?? d.patch_size
        d.patch_stride = try Self.square(c, .patch_stride) ?? d.patch_stride
        d.hidden_size = try c.decodeIfPresent(Int.self, forKey: .hidden_size) ?? d.hidden_size
        d.depths = try c.decodeIfPresent([Int].self, forKey: .depths) ?? d.depths
        d.num_attention_heads = try c.decodeIfPresent([Int].self, forKey: .num_attention_heads) ?? d.num_attention_heads
        d.enable_fusion = try c.decodeIfPresent(Bool.self, forKey: .enable_fusion) ?? d.enable_fusion
        d.patch_embed_input_channels = try c.decodeIfPresent(Int.self, forKey: .patch_embed_input_channels)
            ?? d.patch_embed_input_channels
        d.flatten_patch_embeds = try c.decodeIfPresent(Bool.self, forKey: .flatten_patch_embeds) ?? d.flatten_patch_embeds
        d.patch_embeds_hidden_size = try c.decodeIfPresent(Int.self, forKey: .patch_embeds_hidden_size)
            ?? d.patch_embeds_hidden_size
        d.enable_patch_layer_norm = try c.decodeIfPresent(Bool.self, forKey: .enable_patch_layer_norm)
            ?? d.enable_patch_layer_norm
        d.qkv_bias = try c.decodeIfPresent(Bool.self, forKey: .qkv_bias) ?? d.qkv_bias
        d.mlp_ratio = try c.decodeIfPresent(Double.self, forKey: .mlp_ratio) ?? d.mlp_ratio
        d.layer_norm_eps = try c.decodeIfPresent(Double.self, forKey: .layer_norm_eps) ?? d.layer_norm_eps
        self = d
    }

    /// `patch_size` / `patch_stride`: one number, or a list of equal numbers.
    private static func square(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        if let n = try? c.decodeIfPresent(Int.self, forKey: key) { return n }
        guard let list = try c.decodeIfPresent([Int].self, forKey: key) else { return nil }
        guard let first = list.first, list.allSatisfy({ $0 == first }) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
                "only square patches are supported, not \(list)")
        }
        return first
    }

    func validate(file: String) throws {
        func fail(_ reason: String) -> WeightsError { WeightsError(file, "audio_config: " + reason) }
        try ClapConfigErrors.positive(["window_size": window_size, "num_mel_bins": num_mel_bins, "spec_size": spec_size,
                                       "patch_size": patch_size, "patch_stride": patch_stride, "hidden_size": hidden_size,
                                       "patch_embeds_hidden_size": patch_embeds_hidden_size],
                                      in: "audio_config", file: file)
        guard !enable_fusion else { throw fail("enable_fusion true (the fused model) is not supported") }
        guard patch_embed_input_channels == 1 else {
            throw fail("patch_embed_input_channels \(patch_embed_input_channels) is not supported (1)")
        }
        guard flatten_patch_embeds else { throw fail("flatten_patch_embeds false is not supported") }
        guard !depths.isEmpty, depths.allSatisfy({ $0 > 0 }), depths.count == num_attention_heads.count else {
            throw fail("depths \(depths) and num_attention_heads \(num_attention_heads) must be positive and as many")
        }
        guard mlp_ratio > 0 else { throw fail("mlp_ratio \(mlp_ratio) must be positive") }
        guard spec_size >= num_mel_bins, specHeight * freqRatio == spec_size, specHeight == num_mel_bins else {
            throw fail("spec_size \(spec_size) is not a multiple of num_mel_bins \(num_mel_bins)")
        }
        guard patch_size >= patch_stride, spec_size % patch_stride == 0 else {
            throw fail("patch_size \(patch_size) and patch_stride \(patch_stride) do not tile spec_size \(spec_size)")
        }
        let stages = depths.count
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
            // transformers shrinks the window to a smaller grid but keeps the bias table of the
            // configured window, so such a model does not run there either.
            guard stageResolution(i) >= window_size else {
                throw fail("stage \(i): the \(stageResolution(i))x\(stageResolution(i)) grid is smaller than window_size \(window_size)")
            }
        }
        _ = try ClapActivation(hidden_act, key: "audio_config: hidden_act", file: file)
    }
}

/// An activation a config names (`hidden_act`, `projection_hidden_act`).
enum ClapActivation: Sendable {
    /// The exact, erf-based GELU (transformers' "gelu").
    case gelu
    case relu

    init(_ name: String, key: String, file: String = "config.json") throws {
        switch name {
        case "gelu": self = .gelu
        case "relu": self = .relu
        default: throw WeightsError(file, "\(key) \(name) is not supported (gelu or relu)")
        }
    }

    func callAsFunction(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .gelu: Ops.gelu(x, count: count)
        case .relu: for i in 0..<count where x[i] < 0 { x[i] = 0 }
        }
    }
}

enum ClapConfigErrors {
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
