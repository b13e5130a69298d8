import MMSearchKit
/// Top-k search over one space's rows: the master vector file (f32 or f16), its int8 twin when
/// there is one, which rows are live, each row's modality, and the approximate index (a graph
/// over the twin) when the space has one.
struct VectorSearch: Sendable {
    let master: MappedVectorFile
    let codes: MappedVectorFile?
    let live: LiveRows
    var modalities: RowModalities? = nil
    var graph: GraphSlot? = nil

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

    /// `topK` of several queries: through the approximate index where the space has one and
    /// `options` allow it (`approximateGraph`), otherwise in one pass over the int8 codes
    /// (`QuantizedScan`); `options` gives the method and the threads, each request its own k
    /// and filters. Each query's answer is the one it gets alone.
    func topK(_ requests: [Request], options: SearchOptions) -> [([TopK.Entry], SearchStatistics)] {
        for request in requests {
            precondition(request.query.count == master.dimension,
                         "query of \(request.query.count) values in a \(master.dimension)-d space")
        }
        precondition(live.rowCount <= master.rowCount, "live rows beyond the vector file")
        guard let graph = approximateGraph(options) else { return scan(requests, rows: 0..<live.rowCount, options: options) }
        // Requests limited to some files (folders, labels) scan those rows: a graph walk would
        // meet few of them.
        var results = [([TopK.Entry], SearchStatistics)](repeating: ([], SearchStatistics()), count: requests.count)
        let scanned = requests.indices.filter { requests[$0].rows != nil }
        for (i, result) in zip(scanned, scan(scanned.map { requests[$0] }, rows: 0..<live.rowCount, options: options)) {
            results[i] = result
        }
        for i in requests.indices where requests[i].rows == nil {
            results[i] = approximate(requests[i], graph: graph, options: options)
        }
        return results
    }

    /// The graph a search with `options` walks: the space's, for `.automatic` and
    /// `.approximate` (a writer builds one from `GraphParameters.minimumRows` rows on).
    func approximateGraph(_ options: SearchOptions) -> VectorGraph? {
        switch options.method {
        case .automatic, .approximate:
            guard codes != nil, let graph = graph?.graph, graph.count > 0 else { return nil }
            return graph
        case .exact, .quantized: return nil
        }
    }

    /// The `k` best rows of one request through the graph: the graph's `searchWidth` nearest
    /// rows by int8 score, rescored exactly, merged with an exact scan of the rows the graph
    /// does not cover yet. When too few of the graph's rows pass the filters (deleted files,
    /// another modality), the walk widens, and past `GraphParameters.widest` the whole space
    /// is scanned instead, so a search never returns fewer results than there are.
    private func approximate(_ request: Request, graph: VectorGraph,
                             options: SearchOptions) -> ([TopK.Entry], SearchStatistics) {
        let k = request.k
        guard k > 0 else { return ([], SearchStatistics()) }
        let covered = min(graph.count, live.rowCount)
        var (tail, statistics) = scan([request], rows: covered..<live.rowCount, options: options)[0]
        statistics.approximate = true
        let filter = RowFilter(live: live, modalities: modalities, allowed: request.allowed, rows: nil)
        let (codes, scale) = Quantizer.quantize(request.query)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: master.rowStride, alignment: 64)
        defer { buffer.deallocate() }
        var width = max(options.searchWidth, k)
        while true {
            let found = graph.search(codes: codes, scale: scale, width: width)
            var best = TopK(k: k)
            for entry in tail { best.insert(row: entry.row, score: entry.score) }
            var accepted = 0
            var damaged = false
            request.query.withUnsafeBufferPointer { q in
                for (row, _) in found where row < covered && filter.accepts(row) {
                    // The walk's order is by int8 scores, within about 1e-3 of the exact ones:
                    // the k best are among its first few, and only those are read from disk.
                    if accepted == GraphParameters.rescored(k) { break }
                    master.read(row: row, into: buffer)
                    guard StoredRow.isSound(buffer, type: master.elementType, dimension: master.dimension) else {
                        damaged = true
                        continue
                    }
                    accepted += 1
                    best.insert(row: row, score: ExactScan.score(q.baseAddress!, master, copy: buffer))
                }
            }
            statistics.rescored += accepted
            // Enough rows passed, or the walk saw the whole graph: this is the answer.
            if accepted >= k || found.count < width { return (best.sorted(), statistics) }
            if damaged || width >= GraphParameters.widest { break }
            width = min(GraphParameters.widest, width * 4)
        }
        return scan([request], rows: 0..<live.rowCount, options: options)[0]
    }

    /// `topK` of several queries over `rows`, in one pass over the int8 codes.
    private func scan(_ requests: [Request], rows: Range<Int>, options: SearchOptions) -> [([TopK.Entry], SearchStatistics)] {
        var statistics = SearchStatistics()
        guard !rows.isEmpty else { return requests.map { _ in ([], statistics) } }
        let quantizedEnd = options.method == .exact ? rows.lowerBound : max(rows.lowerBound, min(codes?.rowCount ?? 0, rows.upperBound))
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
        guard quantizedEnd > rows.lowerBound, let codes else { return exact.map { ($0.sorted(), statistics) } }

        statistics.quantizedRows = quantizedEnd - rows.lowerBound
        let quantized = requests.map { QuantizedScan.Query($0.query) }
        let ks = requests.map(\.k)
        let parts = ParallelScan.map(rows.lowerBound..<quantizedEnd, threads: threads, minimumRows: options.rowsPerThread) {
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
