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

/// Checks of config values whose errors name the file and the key.
public enum ConfigCheck {
    /// Throws for the first value that is not positive: "`section`: key value must be positive".
    public static func positive(_ values: KeyValuePairs<String, Int>, in section: String, file: String) throws {
        for (key, value) in values where value <= 0 {
            throw WeightsError(file, "\(section): \(key) \(value) must be positive")
        }
    }
}
