import Foundation

/// The host's checks on what an encoder hands back: the right length, finite numbers,
/// unit length. A plugin that returns garbage fails that input only.
package enum VectorCheck {
    /// `vector` as a unit vector, or why it cannot be stored.
    package static func validated(_ vector: [Float], dimension: Int) -> Result<[Float], FailureReason> {
        guard vector.count == dimension else {
            return .failure(FailureReason("encoder returned \(vector.count) values, expected \(dimension)"))
        }
        var sum: Double = 0
        for value in vector {
            guard value.isFinite else {
                return .failure(FailureReason("encoder returned a vector with NaN or infinite values"))
            }
            sum += Double(value) * Double(value)
        }
        guard sum > 1e-12 else {
            return .failure(FailureReason("encoder returned a zero vector"))
        }
        let norm = sum.squareRoot()
        if abs(norm - 1) <= 1e-5 { return .success(vector) }
        let scale = Float(1 / norm)
        return .success(vector.map { $0 * scale })
    }
}
