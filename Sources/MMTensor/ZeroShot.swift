import Foundation

/// Zero-shot labelling as CLIP and CLAP do it: a softmax over the labels of the scaled cosine
/// similarities.
public enum ZeroShot {
    /// For each query embedding, `softmax(exp(logitScale) · query · label)` over the label
    /// embeddings (unit vectors, so the dot product is the cosine); `logitScale` is the
    /// checkpoint's learned logarithm of the temperature.
    public static func probabilities(queries: [[Float]], labels: [[Float]], logitScale: Float) -> [[Float]] {
        let scale = exp(logitScale)
        return queries.map { query in
            var logits = labels.map { label in
                var dot: Float = 0
                for j in 0..<min(query.count, label.count) { dot += query[j] * label[j] }
                return scale * dot
            }
            if !logits.isEmpty { Ops.softmaxRows(&logits, rows: 1, cols: logits.count) }
            return logits
        }
    }
}
