/// Each row's modality code: the vector file's tag file, and for rows it lacks (an index from
/// before tags, until the next index run writes them) codes read from the catalog.
struct RowModalities: Sendable {
    let mapped: MappedRowTags?
    /// Codes of the rows from `mapped.rowCount` on.
    let extra: [UInt8]

    @inline(__always)
    subscript(row: Int) -> UInt8 {
        let covered = mapped?.rowCount ?? 0
        if row < covered, let mapped { return mapped[row] }
        let index = row - covered
        return index >= 0 && index < extra.count ? extra[index] : 0
    }
}

/// Which rows a search may return: live ones, and when the search asks for some modalities
/// only, those whose tag is one of them, and when it asks for some folders or labels only,
/// those in `rows`.
struct RowFilter: Sendable {
    let live: LiveRows
    let modalities: RowModalities?
    /// Indexed by modality code; nil when every modality is wanted.
    let allowed: [Bool]?
    /// The rows the folder and label filters let through; nil when there are none.
    let rows: RowSet?

    init(live: LiveRows, modalities: RowModalities? = nil, allowed: [Bool]? = nil, rows: RowSet? = nil) {
        self.live = live
        self.modalities = modalities
        self.allowed = allowed
        self.rows = rows
    }

    @inline(__always)
    func accepts(_ row: Int) -> Bool {
        guard live.isLive(row) else { return false }
        if let rows, !rows.contains(row) { return false }
        guard let allowed else { return true }
        return allowed[Int(modalities?[row] ?? 0)]
    }
}
