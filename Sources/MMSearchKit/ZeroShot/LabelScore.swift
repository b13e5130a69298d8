/// A label with its zero-shot probability.
public struct LabelScore: Sendable, Equatable, Hashable, Codable {
    public let label: String
    /// In [0, 1]; the probabilities of one labelling's labels add up to 1.
    public let probability: Float

    public init(label: String, probability: Float) {
        self.label = label
        self.probability = probability
    }
}
