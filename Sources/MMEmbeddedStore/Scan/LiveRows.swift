/// Which rows of a vector file a search may return: those below the catalog's committed row count
/// that no tombstone covers. Built from the tombstones alone, so knowing it costs time in
/// proportion to deletions, never to the number of files.
struct LiveRows: Sendable {
    /// Rows the catalog has committed; rows at or above are never live.
    private(set) var rowCount = 0
    /// The highest tombstone sequence number applied.
    private(set) var lastSeq: Int64 = 0
    /// One bit per row, set for dead rows.
    private var dead: [UInt64] = []
    /// Rows below `rowCount` marked dead.
    private(set) var deadCount = 0

    /// Rows below `rowCount` that are live.
    var liveCount: Int { rowCount - deadCount }

    /// Extends the committed rows to `rowCount` (never shrinks: a reader that sees fewer rows
    /// starts from a fresh `LiveRows`) and marks the rows of `tombstones` dead.
    mutating func update(rowCount: Int, tombstones: [Tombstone]) {
        self.rowCount = max(self.rowCount, rowCount)
        let words = (self.rowCount + 63) / 64
        if dead.count < words { dead += [UInt64](repeating: 0, count: words - dead.count) }
        for tombstone in tombstones {
            lastSeq = max(lastSeq, tombstone.seq)
            for row in tombstone.rows.clamped(to: 0..<self.rowCount) {
                let bit: UInt64 = 1 << UInt64(row & 63)
                if dead[row >> 6] & bit == 0 {
                    dead[row >> 6] |= bit
                    deadCount += 1
                }
            }
        }
    }

    @inline(__always)
    func isLive(_ row: Int) -> Bool {
        row >= 0 && row < rowCount && dead[row >> 6] & (1 << UInt64(row & 63)) == 0
    }
}
