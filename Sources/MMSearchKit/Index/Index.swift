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

    /// The name of the pack (space) queries use (`activeSpace`); nil when there is no index or
    /// it cannot be read (the command that opens it reports why).
    public func packName() -> String? {
        guard store.exists() else { return nil }
        return (try? activeSpace())?.flatMap { $0.name }
    }

    /// The space queries use: the one `use(_:)` chose, else the oldest; nil for an index without
    /// spaces.
    public func activeSpace() throws -> SpaceRecord? {
        let spaces = try store.spaces()
        if let key = try store.setting(.activeSpace), let chosen = spaces.first(where: { $0.spaceID.key == key }) {
            return chosen
        }
        return spaces.first
    }

    /// The precision the last index run into the active space embedded at (see
    /// `precision(ofPack:)`).
    public func precision() -> InferencePrecision? {
        packName().flatMap(precision(ofPack:))
    }

    /// The precision the last index run into the space of pack `name` embedded at; nil for a
    /// space that never recorded one (made before precisions existed: f32), or when the index
    /// is missing or unreadable. An index of one space recorded it under the index-wide key.
    public func precision(ofPack name: String) -> InferencePrecision? {
        if let scoped = (try? store.setting(.precision(of: name))) ?? nil { return InferencePrecision(rawValue: scoped) }
        guard (try? store.spaces())?.first?.name == name else { return nil }
        return (try? store.setting(.precision))?.flatMap(InferencePrecision.init(rawValue:))
    }

    /// The recorded space equal to `space`; nil when the index holds no space yet. A space the
    /// index does not hold, beside others, is refused (`MMSearchError.spaceMismatch`, naming the
    /// active one): vectors of two spaces are never compared.
    public func space(matching space: SpaceID) throws -> SpaceRecord? {
        try SpaceRecord.matching(space, in: store.spaces(), active: store.setting(.activeSpace), besideOthers: false)
    }

    /// Every space with what it holds and whether queries use it, oldest first.
    public func spaceList() throws -> [SpaceStatus] {
        let active = try activeSpace()
        return try store.spaces().map { space in
            SpaceStatus(space: space, counts: try store.counts(of: space), active: space.id == active?.id,
                        precision: precision(ofPack: space.name))
        }
    }

    /// The space a person names: a pack's name (`clip-vit-b32`), or with the start of its
    /// fingerprint where two spaces share a name (`lite@28a27d20`). Unknown or ambiguous names
    /// are usage errors listing the spaces.
    public func space(named text: String) throws -> SpaceRecord {
        let spaces = try store.spaces()
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        let prefix = parts.count > 1 ? parts[1].lowercased() : ""
        let found = spaces.filter { $0.name == name && $0.fingerprint.lowercased().hasPrefix(prefix) }
        let known = spaces.map { "\($0.name)@\($0.fingerprint.prefix(8))" }.joined(separator: ", ")
        guard !found.isEmpty else {
            throw MMSearchError(.usage, "the index holds no space '\(text)' (it holds \(known.isEmpty ? "none" : known))")
        }
        guard found.count == 1 else {
            throw MMSearchError(.usage, "'\(text)' names \(found.count) spaces: add the start of a fingerprint (\(known))")
        }
        return found[0]
    }

    /// Makes `space` the one queries use, in one write: a query that starts after it searches
    /// `space`, one that started before finishes in the space it began in.
    public func use(_ space: SpaceRecord) throws {
        try store.record(.activeSpace, space.spaceID.key)
    }

    /// Removes a space that queries do not use, with its vectors. The active space cannot be
    /// dropped while others remain (`use` another first).
    public func drop(_ space: SpaceRecord) throws {
        let spaces = try store.spaces()
        if spaces.count > 1, try activeSpace()?.id == space.id {
            throw MMSearchError(.usage, "\(space.spaceID) is the space queries use: switch to another one before dropping it")
        }
        try store.drop(space)
    }

    /// A reader of `space`. A missing or empty index, or one built in another space, is an error.
    public func reader(for space: SpaceID) throws -> IndexReader {
        guard let record = try self.space(matching: space) else { throw MMSearchError.indexMissing(location) }
        return IndexReader(try store.reader(for: record))
    }

    /// A reader of the space queries use (`activeSpace`); a missing or empty index is an error.
    public func activeReader() throws -> IndexReader {
        guard let space = try activeSpace() else { throw MMSearchError.indexMissing(location) }
        return IndexReader(try store.reader(for: space))
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

    /// Groups of near-duplicate files in the space queries use: cosine at least `threshold`,
    /// linked transitively (see `DuplicateFinder`). Where the space has an approximate index and
    /// `exact` is false, only the pairs it finds near each other are compared (`approximate`
    /// in the report); otherwise every pair.
    public func duplicates(threshold: Float, exact: Bool = false) throws -> DuplicateReport {
        var report = DuplicateReport(threshold: threshold)
        let reader = try activeReader()
        let matrix = try reader.matrix()
        report.files = matrix.count
        let candidates = exact ? nil : try reader.approximateNeighbours(of: matrix)
        report.approximate = candidates != nil
        report.groups = DuplicateFinder.groups(matrix, threshold: threshold, candidates: candidates)
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

/// One space as `Index.spaceList` shows it.
public struct SpaceStatus: Sendable {
    public let space: SpaceRecord
    public let counts: SpaceCounts
    /// Whether queries use it.
    public let active: Bool
    /// The precision its last index run embedded at, when recorded.
    public let precision: InferencePrecision?
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
    /// Every group, largest first.
    public var groups: [DuplicateFinder.Group] = []
    /// Files compared.
    public var files = 0
    /// Whether an approximate index chose the pairs compared.
    public var approximate = false

    /// Files that are in a group.
    public var grouped: Int { groups.reduce(0) { $0 + $1.paths.count } }
}

extension SpaceRecord {
    /// The record among `spaces` equal to `space`; nil when there is none and one may be added:
    /// the index holds no space, or `besideOthers`. Otherwise `MMSearchError.spaceMismatch`,
    /// naming the active space (`active`: its `SpaceID.key`, else the oldest): vectors of two
    /// spaces are never compared, and a new space is added only when asked.
    public static func matching(_ space: SpaceID, in spaces: [SpaceRecord], active: String?,
                                besideOthers: Bool) throws -> SpaceRecord? {
        if let match = spaces.first(where: { $0.spaceID == space }) { return match }
        guard !besideOthers, let shown = spaces.first(where: { $0.spaceID.key == active }) ?? spaces.first else { return nil }
        throw MMSearchError.spaceMismatch(index: shown.spaceID, encoder: space)
    }
}

extension SpaceID {
    /// `name/dimension/fingerprint`: how a setting names a space.
    public var key: String { "\(name)/\(dimension)/\(fingerprint)" }
}
