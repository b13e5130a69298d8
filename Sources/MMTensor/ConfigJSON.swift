import Foundation

/// Reading Hugging Face JSON files (`config.json`, `preprocessor_config.json`, …) with errors
/// that name the file.
public enum ConfigJSON {
    /// The top-level object of the JSON file at `url`. `kind` says what the file should be, for
    /// the error when it is not an object ("not a CLIP config.json: not a JSON object").
    public static func object(at url: URL, kind: String) throws -> [String: Any] {
        let name = url.lastPathComponent
        let data = try data(at: url)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw WeightsError(name, "not a \(kind): not a JSON object")
        }
        return object
    }

    /// The bytes of a model's JSON or text file, at most `ModelLimits.textFileBytes` of them;
    /// errors name the file.
    public static func data(at url: URL) throws -> Data {
        let name = url.lastPathComponent
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber,
           size.int64Value > Int64(ModelLimits.textFileBytes) {
            throw WeightsError(name, "\(size.int64Value) bytes is more than \(ModelLimits.textFileBytes), the largest accepted")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw WeightsError(name, "cannot read: \(error.localizedDescription)")
        }
    }

    /// Decodes JSON bytes as `T` (no defaults: every key `T` needs must be there); a
    /// `DecodingError` becomes a `WeightsError` naming `file`, the key path and the reason:
    /// "not a `kind` (model.vocab: …)".
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String, kind: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw WeightsError(file, "not a \(kind) (\(error.summary))")
        }
    }

    /// Decodes a JSON object as `T`; a `DecodingError` becomes a `WeightsError` naming `file`,
    /// the key path and the reason: "not a `kind` (text_config.hidden_size: …)".
    public static func decode<T: Decodable>(_ type: T.Type, from object: [String: Any],
                                            file: String, kind: String) throws -> T {
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: object)
        } catch {
            throw WeightsError(file, "not a \(kind) (\(error.localizedDescription))")
        }
        return try decode(T.self, from: data, file: file, kind: kind)
    }

    /// Reads the JSON file at `url` as `T` (no defaults: every key `T` needs must be there).
    public static func load<T: Decodable>(_ type: T.Type, from url: URL, kind: String) throws -> T {
        try decode(T.self, from: object(at: url, kind: kind), file: url.lastPathComponent, kind: kind)
    }
}
