import Foundation

/// One object of a Hugging Face JSON config (a whole `config.json`, or its `text_config`) as a
/// struct whose stored properties carry the Hugging Face key names and transformers' defaults.
///
/// A key the file leaves out, or sets to `null`, takes the value `init()` gives it, as
/// `XConfig(**file)` does in transformers: the defaults are encoded to a JSON object, the file's
/// object is laid over it key by key (descending into `nestedSections`), and the result is
/// decoded with the type's synthesized `Codable` conformance. A type writes each field once,
/// with its default, and no `init(from:)`; keys it does not declare are ignored.
public protocol ConfigSection: Codable, Sendable {
    /// transformers' defaults.
    init()

    /// Keys whose value is itself a section with defaults (`text_config`): a file's object there
    /// is laid over the default object key by key. Any other value in a file replaces the
    /// default whole (a `size` object, say).
    static var nestedSections: [String: any ConfigSection.Type] { get }

    /// Rewrites the file's object before it is laid over the defaults: an old spelling, or a
    /// value a field accepts in more than one form. Throws `ConfigValueError` for a value that
    /// fits no form.
    static func normalize(_ object: inout [String: Any]) throws
}

extension ConfigSection {
    public static var nestedSections: [String: any ConfigSection.Type] { [:] }

    public static func normalize(_ object: inout [String: Any]) throws {}

    /// `file` laid over `defaults` (normalized first); `path` names this section in errors
    /// ("audio_config.").
    static func overlay(_ file: [String: Any], on defaults: [String: Any], path: String = "") throws -> [String: Any] {
        var file = file
        do {
            try normalize(&file)
        } catch let error as ConfigValueError {
            throw ConfigValueError(key: path + error.key, error.reason)
        }
        var merged = defaults
        for (key, value) in file where !(value is NSNull) {
            if let section = nestedSections[key], let inner = value as? [String: Any],
               let innerDefaults = defaults[key] as? [String: Any] {
                merged[key] = try section.overlay(inner, on: innerDefaults, path: path + key + ".")
            } else {
                merged[key] = value
            }
        }
        return merged
    }

    /// Decodes a config object, every key it leaves out taking its default. Errors are
    /// `WeightsError`s naming `file`, the key path and the reason: "not a `kind` (key: reason)".
    public static func decode(_ object: [String: Any], file: String, kind: String) throws -> Self {
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self()))
        guard let defaults = encoded as? [String: Any] else {
            preconditionFailure("\(Self.self) does not encode to a JSON object")
        }
        let merged: [String: Any]
        do {
            merged = try overlay(object, on: defaults)
        } catch let error as ConfigValueError {
            throw WeightsError(file, "not a \(kind) (\(error.key): \(error.reason))")
        }
        return try ConfigJSON.decode(Self.self, from: merged, file: file, kind: kind)
    }
}

/// A whole config file (`config.json`, `preprocessor_config.json`): a section that is read from
/// disk and checked.
public protocol ConfigFile: ConfigSection {
    /// What the file is, as errors call it: "CLIP config.json".
    static var kind: String { get }

    /// Checks what the code relies on; errors name `file` and the key.
    func validate(file: String) throws
}

extension ConfigFile {
    /// Reads, decodes and checks the file at `url`; every error is a `WeightsError` naming it.
    public static func load(_ url: URL) throws -> Self {
        let name = url.lastPathComponent
        let config = try decode(ConfigJSON.object(at: url, kind: kind), file: name, kind: kind)
        try config.validate(file: name)
        return config
    }
}
