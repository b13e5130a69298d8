import Foundation

/// Reading Hugging Face JSON files (`config.json`, `preprocessor_config.json`, …) with errors
/// that name the file.
public enum ConfigJSON {
    /// The top-level object of the JSON file at `url`. `kind` says what the file should be, for
    /// the error when it is not an object ("not a CLIP config.json: not a JSON object").
    public static func object(at url: URL, kind: String) throws -> [String: Any] {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WeightsError(name, "cannot read: \(error.localizedDescription)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw WeightsError(name, "not a \(kind): not a JSON object")
        }
        return object
    }

    /// Decodes a JSON object as `T`; a `DecodingError` becomes a `WeightsError` naming `file`,
    /// the key path and the reason: "not a `kind` (text_config.hidden_size: …)".
    public static func decode<T: Decodable>(_ type: T.Type, from object: [String: Any],
                                            file: String, kind: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
        } catch let error as DecodingError {
            throw WeightsError(file, "not a \(kind) (\(error.summary))")
        }
    }

    /// Reads the JSON file at `url` as `T` (no defaults: every key `T` needs must be there).
    public static func load<T: Decodable>(_ type: T.Type, from url: URL, kind: String) throws -> T {
        try decode(T.self, from: object(at: url, kind: kind), file: url.lastPathComponent, kind: kind)
    }
}
