/// A set of vector-file rows as one bit per row: which rows a filter (folders, labels) lets
/// through. Built once per search from the catalog; looking a row up is one load.
struct RowSet: Sendable, Equatable {
    /// Rows at or above this are never in the set.
    let rowCount: Int
    private var words: [UInt64]

    /// The empty set of rows below `rowCount`.
    init(rowCount: Int) {
        self.rowCount = max(0, rowCount)
        words = [UInt64](repeating: 0, count: (self.rowCount + 63) / 64)
    }

    /// Adds the rows of `range` below `rowCount`.
    mutating func insert(_ range: Range<Int>) {
        for row in range.clamped(to: 0..<rowCount) {
            words[row >> 6] |= 1 << UInt64(row & 63)
        }
    }

    @inline(__always)
    func contains(_ row: Int) -> Bool {
        row >= 0 && row < rowCount && words[row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    /// The rows in both sets.
    func intersection(_ other: RowSet) -> RowSet {
        var result = RowSet(rowCount: min(rowCount, other.rowCount))
        for i in result.words.indices { result.words[i] = words[i] & other.words[i] }
        return result
    }

    /// Number of rows in the set.
    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}
