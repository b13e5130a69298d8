import MMTensor

/// A CLAP projection head (`ClapProjectionLayer`): `linear2(act(linear1(x)))`, `act` the
/// config's `projection_hidden_act` (ReLU), from a tower's width into the shared space.
struct ClapProjection: Sendable {
    private let linear1: Linear
    private let linear2: Linear
    private let activation: HiddenActivation

    init(_ w: Weights, inFeatures: Int, dimension: Int, activation: HiddenActivation) throws {
        linear1 = try Linear(w.scoped("linear1"), inFeatures: inFeatures, outFeatures: dimension)
        linear2 = try Linear(w.scoped("linear2"), inFeatures: dimension, outFeatures: dimension)
        self.activation = activation
    }

    var dimension: Int { linear2.outFeatures }

    /// The unit-length projection of one feature vector (PyTorch's `F.normalize`).
    func embedding(_ feature: UnsafePointer<Float>) -> [Float] {
        var hidden = [Float](repeating: 0, count: linear1.outFeatures)
        var v = [Float](repeating: 0, count: dimension)
        hidden.withUnsafeMutableBufferPointer { hidden in
            linear1.forward(feature, rows: 1, into: hidden.baseAddress!)
            activation(hidden.baseAddress!, count: hidden.count)
            v.withUnsafeMutableBufferPointer { linear2.forward(hidden.baseAddress!, rows: 1, into: $0.baseAddress!) }
        }
        return Ops.l2Normalized(v)
    }
}
