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

    private static func prefix(_ section: String) -> String { section.isEmpty ? "" : "\(section): " }
}
