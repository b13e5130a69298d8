/// Token ids read from tokenizer files, checked before a model uses them as rows of its
/// embedding table: an id must be a non-negative `Int32` below `ModelLimits.vocabulary`
/// (`checked`), and the largest id a tokenizer can produce must be below the model's
/// `vocab_size` (`LargestTokenID.check`), so no text can make the model index past its table.
public enum TokenID {
    /// `id` as an `Int32`, when it can be a token id; otherwise an error naming `file` and `key`
    /// ("tokenizer.json: added_tokens[3] \"[MASK]\" has id -1, outside 0…4194303").
    public static func checked(_ id: Int, key: @autoclosure () -> String, file: String) throws -> Int32 {
        guard id >= 0, id < ModelLimits.vocabulary, let value = Int32(exactly: id) else {
            throw WeightsError(file, "\(key()) has id \(id), outside 0…\(ModelLimits.vocabulary - 1)")
        }
        return value
    }
}

/// The largest token id a tokenizer can produce and where it was read, to check against the
/// embedding table its ids index.
public struct LargestTokenID: Sendable, Equatable {
    /// -1 while no id has been noted.
    public private(set) var id: Int32 = -1
    /// Where `id` was read: `model.vocab "foo"`, `added_tokens[3] "[MASK]"`.
    public private(set) var key = ""
    /// The file it was read from.
    public let file: String

    public init(file: String) { self.file = file }

    /// Keeps `id` (read at `key`) when it is the largest so far.
    public mutating func note(_ id: Int32, key: @autoclosure () -> String) {
        if id > self.id {
            self.id = id
            self.key = key()
        }
    }

    /// Throws unless every id noted is a row of a table of `rows` rows, the number `configKey`
    /// of `configFile` gives: "tokenizer.json: model.vocab \"foo\" has id 30522, but config.json's
    /// vocab_size is 30522".
    public func check(rows: Int, configFile: String, configKey: String) throws {
        guard Int(id) < rows else {
            throw WeightsError(file, "\(key) has id \(id), but \(configFile)'s \(configKey) is \(rows)")
        }
    }
}
