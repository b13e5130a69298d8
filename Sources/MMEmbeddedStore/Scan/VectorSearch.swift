import MMSearchKit
/// Top-k search over one space's rows: the master vector file (f32 or f16), its int8 twin when
/// there is one, which rows are live, and each row's modality.
struct VectorSearch: Sendable {
    let master: MappedVectorFile
    let codes: MappedVectorFile?
    let live: LiveRows
    var modalities: RowModalities? = nil

    /// One query of a batch: its `k`, and the filters of its options (`allowed` modality codes,
    /// `rows` of its folders and labels).
    struct Request: Sendable {
        let query: [Float]
        let k: Int
        var allowed: [Bool]? = nil
        var rows: RowSet? = nil
    }

    /// The `k` live rows with the highest dot product with `query`, best first (never a row
    /// that is not a finite unit vector, see `StoredRow`); only rows
    /// whose modality code is allowed when `allowed` (indexed by code) is given, and only rows
    /// in `rows` when it is given.
    func topK(_ query: [Float], k: Int, options: SearchOptions,
              allowed: [Bool]? = nil, rows allowedRows: RowSet? = nil) -> ([TopK.Entry], SearchStatistics) {
        topK([Request(query: query, k: k, allowed: allowed, rows: allowedRows)], options: options)[0]
    }

    /// `topK` of several queries, in one pass over the int8 codes (`QuantizedScan`); `options`
    /// gives the method and the threads, each request its own k and filters. Each query's
    /// answer is the one it gets alone.
    func topK(_ requests: [Request], options: SearchOptions) -> [([TopK.Entry], SearchStatistics)] {
        for request in requests {
            precondition(request.query.count == master.dimension,
                         "query of \(request.query.count) values in a \(master.dimension)-d space")
        }
        precondition(live.rowCount <= master.rowCount, "live rows beyond the vector file")
        var statistics = SearchStatistics()
        let rows = 0..<live.rowCount
        guard !rows.isEmpty else { return requests.map { _ in ([], statistics) } }
        let quantizedEnd = options.method == .exact ? 0 : min(codes?.rowCount ?? 0, rows.upperBound)
        let threads = max(1, min(options.threads, rows.count / options.rowsPerThread))
        statistics.threads = threads
        let master = master
        let filters = requests.map { RowFilter(live: live, modalities: modalities, allowed: $0.allowed, rows: $0.rows) }

        // Rows without int8 codes (all of them for `.exact`) are scanned exactly.
        let exactRows = quantizedEnd..<rows.upperBound
        statistics.exactRows = exactRows.count
        let exact = requests.indices.map { i in
            let (query, k, filter) = (requests[i].query, requests[i].k, filters[i])
            var top = TopK(k: k)
            guard k > 0 else { return top }
            for part in ParallelScan.map(exactRows, threads: threads, minimumRows: options.rowsPerThread, {
                ExactScan.topK(query, master, rows: $0, filter: filter, k: k)
            }) { top.merge(part) }
            return top
        }
        guard quantizedEnd > 0, let codes else { return exact.map { ($0.sorted(), statistics) } }

        statistics.quantizedRows = quantizedEnd
        let quantized = requests.map { QuantizedScan.Query($0.query) }
        let ks = requests.map(\.k)
        let parts = ParallelScan.map(0..<quantizedEnd, threads: threads, minimumRows: options.rowsPerThread) {
            QuantizedScan.scan(quantized, codes, rows: $0, filters: filters, k: ks)
        }
        return requests.indices.map { i in
            guard ks[i] > 0 else { return ([], statistics) }
            var statistics = statistics
            let (query, k, filter) = (requests[i].query, ks[i], filters[i])
            // Exact scores are their own lower bounds: the k-th best of all bounds is a score
            // the k-th result reaches for sure, and rows whose upper bound is below it cannot be in.
            var lower = exact[i]
            for part in parts { lower.merge(part[i].lower) }
            let threshold = lower.threshold
            var best = exact[i]
            var rejected = 0
            for part in parts {
                let (top, rescored, dropped) = QuantizedScan.rescore(quantized[i], master, candidates: part[i].candidates,
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
