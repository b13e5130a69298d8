/// The activation a Hugging Face config names (`hidden_act`, `projection_hidden_act`), by
/// transformers' names for it (`ACT2FN` in activations.py).
public enum HiddenActivation: String, Sendable, CaseIterable {
    /// The exact, erf-based GELU ("gelu": PyTorch's `nn.GELU()`).
    case gelu
    /// `x · sigmoid(1.702 x)`, OpenAI CLIP's ("quick_gelu").
    case quickGELU = "quick_gelu"
    /// `max(x, 0)` ("relu").
    case relu

    /// The activation `name` stands for, if it is one of `supported` (those a model has been
    /// checked with); otherwise an error naming `file` and `key` ("text_config: hidden_act").
    public init(_ name: String, key: String, file: String = "config.json", supported: [HiddenActivation]) throws {
        guard let activation = HiddenActivation(rawValue: name), supported.contains(activation) else {
            throw WeightsError(file, "\(key) \(name) is not supported (\(Self.list(supported)))")
        }
        self = activation
    }

    /// "gelu only", "quick_gelu or gelu", "gelu, quick_gelu or relu".
    private static func list(_ names: [HiddenActivation]) -> String {
        let raw = names.map(\.rawValue)
        guard let last = raw.last else { return "none" }
        return raw.count == 1 ? "\(last) only" : raw.dropLast().joined(separator: ", ") + " or " + last
    }

    /// Applies the activation to `count` values in place, split over `BLAS.threads` threads
    /// when there are many (each value is computed alone, so the split changes no number).
    public func callAsFunction(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let threads = BLAS.threads
        let (size, blocks) = BLAS.blocking(extent: count, granule: 1024, threads: threads, work: count * 64)
        let address = UInt(bitPattern: x)
        BLAS.forEachBlock(blocks, threads: threads) { block in
            let start = block * size
            apply(UnsafeMutablePointer<Float>(bitPattern: address)! + start, count: min(size, count - start))
        }
    }

    private func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .gelu: Ops.gelu(x, count: count)
        case .quickGELU: Ops.quickGELU(x, count: count)
        case .relu: for i in 0..<count where x[i] < 0 { x[i] = 0 }
        }
    }
}
