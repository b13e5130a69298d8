import Foundation

/// How a search scans the vectors.
public struct SearchOptions: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// `quantized` where the index has int8 rows, `exact` for any rows it lacks them for.
        case automatic
        /// The dot product of the query with every stored (f32 or f16) row.
        case exact
        /// An int8 scan that bounds every row's score, then exact rescoring of the rows whose
        /// bound reaches the k-th best: the same results as `exact`, reading a quarter of the
        /// bytes of f32 rows.
        case quantized
    }

    public var method: Method
    /// Threads that scan parts of the rows at once (at least 1).
    public var threads: Int
    /// Fewest rows worth a thread of their own: smaller indexes are scanned on one thread.
    public var rowsPerThread: Int
    /// Only results of these modalities (`[.image]`: photos, not text chunks); nil for all.
    /// Applied during the scan from each row's tag, so the best `limit` of them come back.
    public var modalities: Set<Modality>?

    public init(method: Method = .automatic,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                rowsPerThread: Int = 32_768, modalities: Set<Modality>? = nil) {
        self.method = method
        self.threads = max(1, threads)
        self.rowsPerThread = max(1, rowsPerThread)
        self.modalities = modalities
    }
}

/// What one search did, for benchmarks and diagnostics.
public struct SearchStatistics: Sendable, Equatable {
    /// Rows scanned exactly (f32 or f16).
    public var exactRows = 0
    /// Rows scanned in int8.
    public var quantizedRows = 0
    /// Rows of the int8 scan that were rescored exactly.
    public var rescored = 0
    /// Threads used.
    public var threads = 1
}
