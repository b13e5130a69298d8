/// A value in a config file that fits none of the forms its field takes: the key (a path such
/// as `audio_config.patch_size`) and why.
public struct ConfigValueError: Error, Sendable, Equatable {
    public let key: String
    public let reason: String

    public init(key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }
}

extension DecodingError {
    /// The key path and the reason, "text_config.hidden_size: Expected to decode Int but found a
    /// string instead." or "hidden_act: missing" (the reason alone where there is no path).
    public var summary: String {
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return Self.summary(c.codingPath, c.debugDescription)
        case .keyNotFound(let key, let c):
            return Self.summary(c.codingPath + [key], "missing")
        @unknown default:
            return "\(self)"
        }
    }

    private static func summary(_ path: [any CodingKey], _ reason: String) -> String {
        let keys = path.map(\.stringValue).joined(separator: ".")
        return keys.isEmpty ? reason : "\(keys): \(reason)"
    }
}

/// Checks of config values whose errors are `WeightsError`s naming the file and the key:
/// "config.json: text_config: num_hidden_layers -1 must be positive". `section` names the part
/// of the file the key is in ("text_config"); empty for the top level.
public enum ConfigCheck {
    /// Throws for the first value that is not positive: "`section`: key value must be positive".
    public static func positive(_ values: KeyValuePairs<String, Int>, in section: String, file: String) throws {
        for (key, value) in values where value <= 0 {
            throw WeightsError(file, "\(prefix(section))\(key) \(value) must be positive")
        }
    }

    /// Throws for the first value outside `1...limit` (a size, a count: see `ModelLimits`):
    /// "`section`: key value must be positive" or "… is more than limit, the largest accepted".
    public static func counts(_ values: KeyValuePairs<String, (value: Int, limit: Int)>, in section: String,
                              file: String) throws {
        for (key, entry) in values {
            try count(entry.value, atMost: entry.limit, key: key, in: section, file: file)
        }
    }

    /// Throws unless `value` lies in `1...limit`.
    public static func count(_ value: Int, atMost limit: Int, key: String, in section: String = "", file: String) throws {
        guard value > 0 else { throw WeightsError(file, "\(prefix(section))\(key) \(value) must be positive") }
        guard value <= limit else {
            throw WeightsError(file, "\(prefix(section))\(key) \(value) is more than \(limit), the largest accepted")
        }
    }

    /// Throws unless `value` lies in `range`: "`section`: key value is outside lower…upper".
    public static func value(_ value: Int, in range: ClosedRange<Int>, key: String, in section: String = "",
                             file: String) throws {
        guard range.contains(value) else {
            throw WeightsError(file, "\(prefix(section))\(key) \(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
    }

    /// Throws unless `value` is finite, above `lower` and at most `upper` (an epsilon, a
    /// coefficient): "`section`: key value is outside (lower, upper]".
    public static func value(_ value: Double, above lower: Double, atMost upper: Double, key: String,
                             in section: String = "", file: String) throws {
        guard value.isFinite, value > lower, value <= upper else {
            throw WeightsError(file, "\(prefix(section))\(key) \(value) is outside (\(lower), \(upper)]")
        }
    }

    /// Throws unless every value is finite: "`section`: key values must be finite numbers".
    public static func finite(_ values: [Double], key: String, in section: String = "", file: String) throws {
        guard values.allSatisfy(\.isFinite) else {
            throw WeightsError(file, "\(prefix(section))\(key) \(values) must be finite numbers")
        }
    }

    /// Throws unless the widest intermediate result of one input, `count` floats (`what` says
    /// what makes it: "77 tokens × 2048"), stays within `ModelLimits.activation`. `count` is
    /// computed from values already within the other limits, so it does not overflow.
    public static func activation(_ count: Int, _ what: String, in section: String = "", file: String) throws {
        guard count <= ModelLimits.activation else {
            throw WeightsError(file, "\(prefix(section))\(what) is \(count) floats for one input, more than \(ModelLimits.activation), the largest accepted")
        }
    }

    /// The sizes of a text transformer (BERT, RoBERTa, CLIP's text tower) under their
    /// `config.json` names.
    public struct TextTransformerSizes: Sendable {
        public var vocab_size: Int
        public var hidden_size: Int
        public var num_hidden_layers: Int
        public var num_attention_heads: Int
        public var intermediate_size: Int
        public var max_position_embeddings: Int
        /// BERT's and RoBERTa's segment embeddings; nil where there are none (CLIP).
        public var type_vocab_size: Int?
        public var layer_norm_eps: Double
        /// The tokens every input carries at its ends, for the message when the positions
        /// leave no room for them: "[CLS] and [SEP]".
        public var endTokens: String

        public init(vocab_size: Int, hidden_size: Int, num_hidden_layers: Int, num_attention_heads: Int,
                    intermediate_size: Int, max_position_embeddings: Int, type_vocab_size: Int? = nil,
                    layer_norm_eps: Double, endTokens: String) {
            self.vocab_size = vocab_size
            self.hidden_size = hidden_size
            self.num_hidden_layers = num_hidden_layers
            self.num_attention_heads = num_attention_heads
            self.intermediate_size = intermediate_size
            self.max_position_embeddings = max_position_embeddings
            self.type_vocab_size = type_vocab_size
            self.layer_norm_eps = layer_norm_eps
            self.endTokens = endTokens
        }
    }

    /// A text transformer's sizes, checked the one way every family needs: each within
    /// `ModelLimits` (no layers, no heads, a negative count and overflowing products refused),
    /// room for the end tokens, the heads dividing the width, one input's widest layer within
    /// `ModelLimits.activation`, a usable layer-norm epsilon.
    public static func textTransformer(_ sizes: TextTransformerSizes, in section: String, file: String) throws {
        try counts(["vocab_size": (sizes.vocab_size, ModelLimits.vocabulary),
                    "hidden_size": (sizes.hidden_size, ModelLimits.width),
                    "num_hidden_layers": (sizes.num_hidden_layers, ModelLimits.layers),
                    "num_attention_heads": (sizes.num_attention_heads, ModelLimits.heads),
                    "intermediate_size": (sizes.intermediate_size, ModelLimits.width),
                    "max_position_embeddings": (sizes.max_position_embeddings, ModelLimits.sequence)],
                   in: section, file: file)
        if let types = sizes.type_vocab_size {
            try count(types, atMost: ModelLimits.vocabulary, key: "type_vocab_size", in: section, file: file)
        }
        guard sizes.max_position_embeddings >= 2 else {
            throw WeightsError(file, "\(prefix(section))max_position_embeddings \(sizes.max_position_embeddings) leaves no room for \(sizes.endTokens)")
        }
        guard sizes.hidden_size % sizes.num_attention_heads == 0 else {
            throw WeightsError(file, "\(prefix(section))hidden_size \(sizes.hidden_size) is not a multiple of num_attention_heads \(sizes.num_attention_heads)")
        }
        let widest = max(3 * sizes.hidden_size, sizes.intermediate_size)
        try activation(sizes.max_position_embeddings * widest,
                       "max_position_embeddings \(sizes.max_position_embeddings) × the widest layer \(widest)",
                       in: section, file: file)
        try value(sizes.layer_norm_eps, above: 0, atMost: 1, key: "layer_norm_eps", in: section, file: file)
    }

    private static func prefix(_ section: String) -> String { section.isEmpty ? "" : "\(section): " }
}
