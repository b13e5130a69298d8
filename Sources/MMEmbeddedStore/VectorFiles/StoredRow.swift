import CVectorKernels
import MMSearchKit

/// Whether a row of a master vector file can be trusted as a vector: every row the store
/// writes is a finite unit vector (the host checks and normalises what encoders give), so a
/// row that is not one was damaged on disk. Search treats such rows as dead (they are never
/// returned, whatever their score), `check` reports them and `repair` drops them.
enum StoredRow {
    /// How far ‖r‖² may be from 1: the rule every store keeps (`StoredVectors`).
    static let squaredNormTolerance = StoredVectors.squaredNormTolerance

    /// What is wrong with a row.
    enum Fault: Equatable {
        /// A value is NaN or infinite.
        case notFinite
        /// Finite, but not of length 1.
        case notUnit(norm: Float)

        var description: String {
            switch self {
            case .notFinite: "not finite (NaN or infinite values)"
            case .notUnit(let norm): "not unit length (norm \(norm))"
            }
        }
    }

    /// ‖r‖² of the `dimension` values at `row`, stored as `type` (f32 or f16): NaN or infinite
    /// when a value is.
    static func squaredNorm(_ row: UnsafeRawPointer, type: VectorElementType, dimension d: Int) -> Float {
        var out: Float = 0
        switch type {
        case .f32:
            let values = row.assumingMemoryBound(to: Float.self)
            mms_dot_f32(values, values, d, d, 1, &out)
        case .f16:
            withUnsafeTemporaryAllocation(of: Float.self, capacity: d) { values in
                mms_f16_to_f32(row.assumingMemoryBound(to: UInt16.self), values.baseAddress!, d)
                mms_dot_f32(values.baseAddress!, values.baseAddress!, d, d, 1, &out)
            }
        case .int8:
            preconditionFailure("int8 rows are derived; check the master row")
        }
        return out
    }

    /// Nil for a finite unit vector, else what is wrong with it.
    static func fault(_ row: UnsafeRawPointer, type: VectorElementType, dimension: Int) -> Fault? {
        let n2 = squaredNorm(row, type: type, dimension: dimension)
        guard n2.isFinite else { return .notFinite }
        return abs(n2 - 1) <= squaredNormTolerance ? nil : .notUnit(norm: n2.squareRoot())
    }

    /// True for a finite unit vector.
    @inline(__always)
    static func isSound(_ row: UnsafeRawPointer, type: VectorElementType, dimension: Int) -> Bool {
        abs(squaredNorm(row, type: type, dimension: dimension) - 1) <= squaredNormTolerance
    }

    /// The same rule for a vector in memory (a part kept in the catalog).
    static func fault(_ vector: [Float]) -> Fault? {
        vector.withUnsafeBytes { fault($0.baseAddress!, type: .f32, dimension: vector.count) }
    }
}
