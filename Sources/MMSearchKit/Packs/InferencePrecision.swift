import MMTensor

/// The number format a pack's encoders run their matrix products in (`--precision`): MMTensor's
/// `Precision`, named for the host.
///
/// - `.f32`: f32 weights and products, the reference implementation's numbers (within 1e-4).
/// - `.int8`: int8 weights and activations with int32 products (AVX-512 VNNI or AVX2 where the
///   CPU has them); norms, softmax, activations and the residual stream stay f32. Embeddings
///   within cosine 0.999 of f32 (MiniLM, 1 200 texts) and 0.995 (CLIP, CLAP).
///
/// Both make vectors of the same space: an index built at one precision answers queries
/// embedded at the other. The index records the precision its runs used (`Index.precision()`),
/// and each file's encoder fingerprint covers it, so a run at the other precision embeds the
/// files again rather than mixing the two.
public typealias InferencePrecision = Precision

extension Precision {
    /// What an encoder whose numbers depend on the precision adds to its `EncoderInfo.settings`
    /// (so to its fingerprint): nothing at f32, which keeps the files of indexes made before
    /// int8 existed; `precision int8` otherwise. `base`: the encoder's other settings.
    public func encoderSettings(_ base: String = "") -> String {
        guard self != .f32 else { return base }
        return base.isEmpty ? "precision \(rawValue)" : "\(base); precision \(rawValue)"
    }
}
