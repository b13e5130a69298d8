/// A view of a checkpoint scoped by key prefix, so model code names weights exactly as the
/// checkpoint does: `weights.scoped("encoder.layer.3").tensor("attention.self.query.weight", …)`.
///
/// The view carries the precision the model's products run in (`Linear` made from it takes it),
/// so a model is loaded at int8 by handing it `Weights(file, precision: .int8)`.
public struct Weights: Sendable {
    public let file: SafeTensors
    public let prefix: String
    public let precision: Precision
    /// How layers made from this view scale their int8 weights (at `.int8`).
    public let int8Scales: Int8Scales

    public init(_ file: SafeTensors, prefix: String = "", precision: Precision = .f32, int8Scales: Int8Scales = .perRow) {
        self.file = file
        self.prefix = prefix
        self.precision = precision
        self.int8Scales = int8Scales
    }

    /// A view one level down: `scoped("layer.0")` reads `prefix.layer.0.*`.
    public func scoped(_ name: String) -> Weights {
        Weights(file, prefix: key(name) + ".", precision: precision, int8Scales: int8Scales)
    }

    /// The same view at another precision: for the products a model keeps at f32 whatever it
    /// is loaded at.
    public func at(_ precision: Precision) -> Weights {
        Weights(file, prefix: prefix, precision: precision, int8Scales: int8Scales)
    }

    /// The same view with int8 weights scaled as `scales` says.
    public func scaled(_ scales: Int8Scales) -> Weights {
        Weights(file, prefix: prefix, precision: precision, int8Scales: scales)
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
