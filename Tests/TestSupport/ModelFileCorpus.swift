import Foundation

/// The model-file damage that once crashed mmsearch or made it embed garbage, each kept as a
/// change to one file of a test model folder (`Tests/Fixtures/model-files/corpus.json`, written
/// by `Scripts/fixtures/make_model_file_corpus.py`). Each family's fuzz suite applies its
/// entries to its seed folder and expects an error naming the file and the key.
public struct ModelFileCorpus {
    public struct Entry: CustomStringConvertible {
        public let family: String
        public let file: String
        /// Keys (`String`) and indices (`Int`) down to the value changed.
        public let path: [Any]
        /// The new value; nil removes the key.
        public let value: Any?
        /// What the error must say after `"<file>: "`.
        public let names: String
        public let found: String

        public var description: String {
            let steps = path.map { $0 is String ? ".\($0)" : "[\($0)]" }.joined()
            return "\(file): \(steps) ← \(value.map { "\($0)" } ?? "(removed)") (found by \(found))"
        }

        /// `object` with the change applied.
        public func apply(to object: inout [String: Any]) {
            object = Self.replacing(at: path[...], in: object, with: value) as? [String: Any] ?? object
        }

        private static func replacing(at path: ArraySlice<Any>, in container: Any, with value: Any?) -> Any? {
            guard let step = path.first else { return value }
            if let key = step as? String, var object = container as? [String: Any] {
                object[key] = path.count == 1 ? value : object[key].flatMap { replacing(at: path.dropFirst(), in: $0, with: value) }
                return object
            }
            if let index = step as? Int, var array = container as? [Any], array.indices.contains(index) {
                if let new = replacing(at: path.dropFirst(), in: array[index], with: value) { array[index] = new }
                return array
            }
            return container
        }
    }

    /// The entries of `family` (`bert`, `efficientnet`, `clip`, `clap`).
    public static func entries(_ family: String) throws -> [Entry] {
        let url = TestPaths.fixture("model-files/corpus.json")
        guard let list = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]] else {
            throw SetupError("\(url.path) is not a list of entries: run Scripts/fixtures/make_model_file_corpus.py")
        }
        return try list.filter { $0["family"] as? String == family }.map { item in
            guard let file = item["file"] as? String, let path = item["path"] as? [Any], !path.isEmpty,
                  let names = item["names"] as? String else {
                throw SetupError("\(url.lastPathComponent): an entry without file, path or names: \(item)")
            }
            // JSON numbers arrive as NSNumber: indices become Int, keys stay String.
            let steps: [Any] = path.map { ($0 as? String) ?? ($0 as? Int) ?? $0 }
            return Entry(family: family, file: file, path: steps,
                         value: item["remove"] as? Bool == true ? nil : item["value"],
                         names: names, found: item["found"] as? String ?? "")
        }
    }
}
