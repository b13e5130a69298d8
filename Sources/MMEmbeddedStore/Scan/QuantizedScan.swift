import MMSearchKit
import CVectorKernels

/// The int8 scan. Each row's int8 score comes with a bound on how far the exact score can be
/// from it, so the scan knows which rows can still be among the k best and rescores exactly
/// those: the results equal an exact scan's, whatever the data.
///
/// With the query q = s·c + e (codes c, scale s, residual e) and a stored row r = sᵣ·cᵣ + eᵣ
/// where |eᵣ| ≤ sᵣ/2 per value (see `Quantizer`):
///
///     q·r = s·sᵣ·(c·cᵣ) + s·c·eᵣ + e·r
///     |s·c·eᵣ| ≤ sᵣ · s·‖c‖₁/2          |e·r| ≤ ‖e‖₂ · ‖r‖₂ ≤ ‖e‖₂ · 1.001
///
/// (stored rows are unit vectors: f32 to 1e-5, f16 to 5e-4). A small slack covers float
/// rounding of the exact score itself.
enum QuantizedScan {
    /// The query in int8 with the terms of the bound.
    struct Query: Sendable {
        let values: [Float]
        let codes: [Int8]
        let scale: Float
        /// s·‖c‖₁/2, slightly enlarged for the rounding of the quantiser: times sᵣ it bounds s·c·eᵣ.
        let halfL1: Float
        /// ‖e‖₂ · 1.001 plus the float slack: bounds e·r and rounding.
        let constant: Float

        init(_ query: [Float]) {
            values = query
            let (codes, scale) = Quantizer.quantize(query)
            self.codes = codes
            self.scale = scale
            var l1 = 0.0
            var residual = 0.0
            var norm = 0.0
            for (value, code) in zip(query, codes) {
                l1 += abs(Double(code))
                let e = Double(value) - Double(scale) * Double(code)
                residual += e * e
                norm += Double(value) * Double(value)
            }
            halfL1 = Float(Double(scale) * l1 / 2 * 1.0001)
            let slack = (Double(query.count) * 1.2e-7 + 1e-6) * max(1, norm.squareRoot())
            constant = Float(residual.squareRoot() * 1.001 + slack)
        }
    }

    /// A row that may be among the best, with the most its exact score can be.
    struct Candidate: Sendable {
        let row: Int
        let upper: Float
    }

    /// What the scan of some rows found: the k best lower bounds, and every accepted row whose
    /// upper bound reached the k-th best lower bound at the time it was scanned.
    struct Partial: Sendable {
        var lower: TopK
        var candidates: [Candidate] = []
    }

    /// Rows scored per kernel call: a block's codes stay in the core's L2 cache while every
    /// query of a batch scores them.
    static let block = 512

    /// Scans `rows` of the int8 twin `codes` for several queries at once (query `i` through
    /// `filters[i]`, keeping its `k[i]` best): each block of rows is read from memory once and
    /// scored for every query while it is in cache (`mms_dot_i8_queries`: with AVX-512 VNNI,
    /// each row is loaded once for four queries). Integer dot products are exact, so each
    /// query's partial is the one a scan for it alone finds.
    static func scan(_ queries: [Query], _ codes: MappedVectorFile, rows: Range<Int>, filters: [RowFilter],
                     k: [Int]) -> [Partial] {
        precondition(filters.count == queries.count && k.count == queries.count)
        var partials = k.map { Partial(lower: TopK(k: $0)) }
        let scanned = queries.indices.filter { k[$0] > 0 }
        guard !scanned.isEmpty, !rows.isEmpty else { return partials }
        let d = codes.dimension
        let stride = codes.rowStride
        // The scanned queries' codes side by side, and the sums of a block for each of them.
        let queryCodes = scanned.flatMap { queries[$0].codes }
        var dots = [Int32](repeating: 0, count: scanned.count * block)
        queryCodes.withUnsafeBufferPointer { codesBase in
            let pointers: [UnsafePointer<Int8>?] = scanned.indices.map { codesBase.baseAddress! + $0 * d }
            pointers.withUnsafeBufferPointer { pointers in
                dots.withUnsafeMutableBufferPointer { out in
                    var start = rows.lowerBound
                    while start < rows.upperBound {
                        let end = min(start + block, rows.upperBound)
                        let first = codes.row(start)
                        mms_dot_i8_queries(pointers.baseAddress!, scanned.count, first.assumingMemoryBound(to: Int8.self),
                                           d, stride, end - start, out.baseAddress!)
                        for (j, q) in scanned.enumerated() {
                            accept(out.baseAddress! + j * (end - start), rows: start..<end, first: first, stride: stride,
                                   dimension: d, query: queries[q], filter: filters[q], into: &partials[q])
                        }
                        start = end
                    }
                }
            }
        }
        return partials
    }

    /// Turns one block's integer dot products into bounds: rows whose upper bound reaches the
    /// k-th best lower bound so far become candidates.
    @inline(__always)
    private static func accept(_ dots: UnsafePointer<Int32>, rows: Range<Int>, first: UnsafeRawPointer,
                               stride: Int, dimension d: Int, query: Query, filter: RowFilter,
                               into partial: inout Partial) {
        // The k-th best lower bound changes only when one is inserted.
        var threshold = partial.lower.threshold
        for i in 0..<rows.count {
            let rowScale = first.loadUnaligned(fromByteOffset: i * stride + d, as: Float.self)
            let approx = Float(dots[i]) * (query.scale * rowScale)
            let bound = rowScale * query.halfL1 + query.constant
            let upper = approx + bound
            guard upper >= threshold, filter.accepts(rows.lowerBound + i) else { continue }
            partial.candidates.append(Candidate(row: rows.lowerBound + i, upper: upper))
            let lower = approx - bound
            if lower >= threshold {
                partial.lower.insert(row: rows.lowerBound + i, score: lower)
                threshold = partial.lower.threshold
            }
        }
    }

    /// Exact scores of the candidates whose upper bound reaches `threshold`, the k best.
    /// `rejected` counts candidates whose master row is not a finite unit vector (damaged on
    /// disk): they are left out, and since their int8 bounds may have raised `threshold`, the
    /// caller must not trust the result then (see `VectorSearch.topK`).
    static func rescore(_ query: Query, _ master: MappedVectorFile, candidates: [Candidate],
                        threshold: Float, k: Int) -> (top: TopK, rescored: Int, rejected: Int) {
        var top = TopK(k: k)
        var rescored = 0
        var rejected = 0
        let row = UnsafeMutableRawPointer.allocate(byteCount: master.rowStride, alignment: 64)
        defer { row.deallocate() }
        query.values.withUnsafeBufferPointer { q in
            for candidate in candidates where candidate.upper >= threshold {
                rescored += 1
                master.read(row: candidate.row, into: row)
                guard StoredRow.isSound(row, type: master.elementType, dimension: master.dimension) else {
                    rejected += 1
                    continue
                }
                top.insert(row: candidate.row, score: ExactScan.score(q.baseAddress!, master, copy: row))
            }
        }
        return (top, rescored, rejected)
    }
}
