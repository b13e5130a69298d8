/// The number format a model's matrix products run in. Norms, softmax, activations and the
/// residual stream stay f32 either way. (The host calls it `InferencePrecision`: `--precision`.)
public enum Precision: String, Sendable, CaseIterable, Codable {
    /// f32 weights and products, as the reference computes.
    case f32
    /// int8 weights and rows, int32 products (scaled as `Int8Scales` says).
    case int8
}

/// How finely int8 weights and rows are scaled: a model's choice, by measurement.
public enum Int8Scales: Sendable, Equatable {
    /// One scale per output column of the weights and one per row of the input: integer sums
    /// over the whole inner dimension, the fastest. (CLIP's and CLAP's towers.)
    case perRow
    /// One scale per block of 32 inner values of each column and row (ggml's Q8_0): keeps
    /// outlier channels from coarsening a whole row, about a quarter slower. (MiniLM, whose
    /// embeddings need it to stay within cosine 0.999 of f32.)
    case perBlock
}
