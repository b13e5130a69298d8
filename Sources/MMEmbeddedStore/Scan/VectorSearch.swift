import MMSearchKit
/// Top-k search over one space's rows: the master vector file (f32 or f16), its int8 twin when
/// there is one, which rows are live, and each row's modality.
struct VectorSearch: Sendable {
    let master: MappedVectorFile
    let codes: MappedVectorFile?
    let live: LiveRows
    var modalities: RowModalities? = nil

    /// The `k` live rows with the highest dot product with `query`, best first (never a row
    /// that is not a finite unit vector, see `StoredRow`); only rows
    /// whose modality code is allowed when `allowed` (indexed by code) is given, and only rows
    /// in `rows` when it is given.
    func topK(_ query: [Float], k: Int, options: SearchOptions,
              allowed: [Bool]? = nil, rows allowedRows: RowSet? = nil) -> ([TopK.Entry], SearchStatistics) {
        precondition(query.count == master.dimension, "query of \(query.count) values in a \(master.dimension)-d space")
        precondition(live.rowCount <= master.rowCount, "live rows beyond the vector file")
        var statistics = SearchStatistics()
        let rows = 0..<live.rowCount
        guard k > 0, !rows.isEmpty else { return ([], statistics) }
        let quantizedEnd = options.method == .exact ? 0 : min(codes?.rowCount ?? 0, rows.upperBound)
        let threads = max(1, min(options.threads, rows.count / options.rowsPerThread))
        statistics.threads = threads

        // Rows without int8 codes (all of them for `.exact`) are scanned exactly.
        let exactRows = quantizedEnd..<rows.upperBound
        statistics.exactRows = exactRows.count
        var exact = TopK(k: k)
        let master = master
        let filter = RowFilter(live: live, modalities: modalities, allowed: allowed, rows: allowedRows)
        for part in ParallelScan.map(exactRows, threads: threads, minimumRows: options.rowsPerThread, {
            ExactScan.topK(query, master, rows: $0, filter: filter, k: k)
        }) { exact.merge(part) }
        guard quantizedEnd > 0, let codes else { return (exact.sorted(), statistics) }

        statistics.quantizedRows = quantizedEnd
        let quantized = QuantizedScan.Query(query)
        let parts = ParallelScan.map(0..<quantizedEnd, threads: threads, minimumRows: options.rowsPerThread) {
            QuantizedScan.scan(quantized, codes, rows: $0, filter: filter, k: k)
        }
        // Exact scores are their own lower bounds: the k-th best of all bounds is a score the
        // k-th result reaches for sure, and rows whose upper bound is below it cannot be in.
        var lower = exact
        for part in parts { lower.merge(part.lower) }
        let threshold = lower.threshold
        var best = exact
        var rejected = 0
        for part in parts {
            let (top, rescored, dropped) = QuantizedScan.rescore(quantized, master, candidates: part.candidates,
                                                                 threshold: threshold, k: k)
            statistics.rescored += rescored
            rejected += dropped
            best.merge(top)
        }
        if rejected > 0 {
            // A damaged row's int8 bound may have kept sound rows out: scan exactly instead,
            // which checks every row before it enters the k best. Only a damaged index (see
            // `IndexStore.check`) pays for this.
            best = TopK(k: k)
            for part in ParallelScan.map(rows, threads: threads, minimumRows: options.rowsPerThread, {
                ExactScan.topK(query, master, rows: $0, filter: filter, k: k)
            }) { best.merge(part) }
            statistics.exactRows = rows.count
            statistics.quantizedRows = 0
        }
        return (best.sorted(), statistics)
    }
}

extension VectorSearch {
    /// True when row `row` of the master is a finite unit vector (see `StoredRow`).
    func isSound(row: Int) -> Bool {
        guard row >= 0, row < master.rowCount else { return false }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: master.rowStride, alignment: 64)
        defer { buffer.deallocate() }
        master.read(row: row, into: buffer)
        return StoredRow.isSound(buffer, type: master.elementType, dimension: master.dimension)
    }

    /// The exact score of one row, by the kernel a scan uses (so the same number).
    func score(_ query: [Float], row: Int) -> Float {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: master.rowStride, alignment: 64)
        defer { buffer.deallocate() }
        master.read(row: row, into: buffer)
        return query.withUnsafeBufferPointer { ExactScan.score($0.baseAddress!, master, copy: buffer) }
    }
}
