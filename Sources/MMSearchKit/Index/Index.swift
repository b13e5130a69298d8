import Foundation

/// An index without a model: everything that works on what is stored (statistics, duplicate
/// groups, compaction, failures, labels, readers over stored vectors). `Engine` is a model
/// pack together with an `Index`.
///
///     let index = BuiltinStores.index(at: folder)        // MMBuiltins; or Index(store: …)
///     for group in try index.duplicates(threshold: 0.97).groups { print(group.paths) }
public struct Index: Sendable {
    public let store: any IndexStore

    public init(store: any IndexStore) {
        self.store = store
    }

    /// How the index is named in messages.
    public var location: String { store.location }

    /// The spaces the index holds, oldest first; a missing index is an error.
    public func spaces() throws -> [SpaceRecord] {
        try store.spaces()
    }

    /// The name of the pack (space) the index was built with; nil when there is no index or it
    /// cannot be read (the command that opens it reports why).
    public func packName() -> String? {
        guard store.exists() else { return nil }
        return (try? store.spaces())?.first?.name
    }

    /// The precision the last index run embedded at; nil for an index that never recorded one
    /// (made before precisions existed: f32) or that is missing or unreadable.
    public func precision() -> InferencePrecision? {
        (try? store.setting(.precision))?.flatMap(InferencePrecision.init(rawValue:))
    }

    /// The recorded space equal to `space`; nil when the index holds no space yet. An index
    /// that holds another space refuses: mixing vectors of two spaces gives meaningless scores.
    public func space(matching space: SpaceID) throws -> SpaceRecord? {
        try SpaceRecord.matching(space, in: store.spaces())
    }

    /// A reader of `space`. A missing or empty index, or one built in another space, is an error.
    public func reader(for space: SpaceID) throws -> IndexReader {
        guard let record = try self.space(matching: space) else { throw MMSearchError.indexMissing(location) }
        return IndexReader(try store.reader(for: record))
    }

    /// Readers of every space of the index.
    public func readers() throws -> [IndexReader] {
        try store.spaces().map { IndexReader(try store.reader(for: $0)) }
    }

    /// Files that failed to index, with their reasons, by path (every space).
    public func failures() throws -> [FileRecord] {
        try store.failures(in: nil)
    }

    /// What the index holds, per space: counts from the catalog, and the statistics of the
    /// space's vectors when it has at least two files (see `SpaceStatistics`).
    public func report() throws -> [SpaceReport] {
        try store.spaces().map { space in
            let counts = try store.counts(of: space)
            var statistics: SpaceStatistics?
            if counts.ok > 1 {
                statistics = SpaceStatistics.of(try IndexReader(store.reader(for: space)).matrix())
            }
            return SpaceReport(space: space, counts: counts, statistics: statistics)
        }
    }

    /// Groups of near-duplicate files in every space: cosine at least `threshold`, linked
    /// transitively (see `DuplicateFinder`). Where a space has an approximate index and
    /// `exact` is false, only the pairs it finds near each other are compared (`approximate`
    /// in the report); otherwise every pair.
    public func duplicates(threshold: Float, exact: Bool = false) throws -> DuplicateReport {
        var report = DuplicateReport(threshold: threshold)
        for reader in try readers() {
            let matrix = try reader.matrix()
            report.files += matrix.count
            let candidates = exact ? nil : try reader.approximateNeighbours(of: matrix)
            report.approximate = report.approximate || candidates != nil
            report.groups += DuplicateFinder.groups(matrix, threshold: threshold, candidates: candidates)
        }
        return report
    }

    /// Rewrites the stored vectors without dead rows (replaced and deleted files), converting
    /// them to `storage` when given.
    public func compact(storage: VectorStorage? = nil) throws -> [CompactedSpace] {
        try store.compact(storage: storage)
    }

    /// Verifies the index and reports what is wrong (see `IndexStore.check`); changes nothing.
    public func check() throws -> IntegrityReport {
        try store.check()
    }

    /// Fixes what `check` finds (see `IndexStore.repair`): afterwards search gives what a clean
    /// index gives, except for files whose rows could not be trusted, which the next index run
    /// embeds again.
    public func repair() throws -> RepairReport {
        try store.repair()
    }
}

/// What `Index.report` tells about one space.
public struct SpaceReport: Sendable {
    public let space: SpaceRecord
    public let counts: SpaceCounts
    /// The space's vector statistics; nil below two files.
    public let statistics: SpaceStatistics?
}

/// What `Index.duplicates` found.
public struct DuplicateReport: Sendable, Equatable {
    public let threshold: Float
    /// Every group, largest first within each space.
    public var groups: [DuplicateFinder.Group] = []
    /// Files compared.
    public var files = 0
    /// Whether an approximate index chose the pairs compared (in some space).
    public var approximate = false

    /// Files that are in a group.
    public var grouped: Int { groups.reduce(0) { $0 + $1.paths.count } }
}

extension SpaceRecord {
    /// The record among `spaces` equal to `space`; nil when there are none. Another space is
    /// refused (`MMSearchError.spaceMismatch`): every store keeps this guard.
    public static func matching(_ space: SpaceID, in spaces: [SpaceRecord]) throws -> SpaceRecord? {
        if let match = spaces.first(where: { $0.spaceID == space }) { return match }
        if let other = spaces.first { throw MMSearchError.spaceMismatch(index: other.spaceID, encoder: space) }
        return nil
    }
}
