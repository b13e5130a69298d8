/// A view of a checkpoint scoped by key prefix, so model code names weights exactly as the
/// checkpoint does: `weights.scoped("encoder.layer.3").tensor("attention.self.query.weight", …)`.
public struct Weights: Sendable {
    public let file: SafeTensors
    public let prefix: String

    public init(_ file: SafeTensors, prefix: String = "") {
        self.file = file
        self.prefix = prefix
    }

    /// A view one level down: `scoped("layer.0")` reads `prefix.layer.0.*`.
    public func scoped(_ name: String) -> Weights {
        Weights(file, prefix: key(name) + ".")
    }

    /// The full checkpoint key of `name` in this view.
    public func key(_ name: String) -> String { prefix + name }

    public func contains(_ name: String) -> Bool { file.tensors[key(name)] != nil }

    /// Reads a floating tensor, checking its shape.
    public func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        try file.floats(key(name), shape: shape)
    }

    /// The tensor's shape as stored.
    public func shape(_ name: String) throws -> [Int] {
        try file.info(key(name)).shape
    }
}
