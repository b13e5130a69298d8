import Foundation

/// Where an index lives: the catalog of its files and the vectors of its spaces. Indexing,
/// search, labelling, duplicates, statistics, evaluation and compaction reach storage only
/// through this protocol and the two it hands out, `SpaceWriter` and `SpaceReader`; the
/// embedded store (`MMEmbeddedStore`: SQLite + memory-mapped vector files) is one
/// implementation.
///
/// **The contract every store keeps** (docs/ARCHITECTURE.md, "The storage protocol"):
///
/// - *Spaces never mix.* A space is recorded with its name, dimension and fingerprint; a writer
///   or reader for another space of an index that holds one is refused with
///   `MMSearchError.spaceMismatch`.
/// - *Writers and readers.* A store either has one writer at a time (`writer(for:storage:)`
///   takes the index's writer lock; another writer fails at once, naming the index) or lets
///   several write at once, handing each file to one of them (`SpaceWriter.claim`). Readers
///   never wait for writers.
/// - *Atomic commits.* Each `SpaceWriter` call that changes the index (`commit`, `copy`,
///   `touch`, `move`, `remove`) is one transaction: afterwards every file it names is wholly
///   there (record, vectors, parts, encoder fingerprint, note) or wholly as before.
/// - *Visibility.* A reader sees committed state only; `SpaceReader.read` runs its body on one
///   snapshot (rows, records, labels, keyword index as of one moment), also while a writer
///   commits. Labels may be replaced without the writer's lock, in one transaction.
/// - *Crashes.* A crash (kill -9, power loss) at any point leaves the last committed state; what
///   was written after it (vectors of an uncommitted batch) is invisible and reclaimed when the
///   next writer opens. Nothing committed is lost. Compaction is crash-safe the same way.
/// - *Failures.* Errors are `MMSearchError`s naming the index and the reason. Damage that
///   `repair` can fix is `MMSearchError.Reason.indexDamaged`.
/// - *Integrity.* `check` finds damage without changing anything; `repair` rebuilds what can be
///   derived and drops rows that cannot be trusted (their files are marked failed, so the next
///   index run embeds them again). Search never returns a row that is not a finite unit vector.
public protocol IndexStore: Sendable {
    /// How the index is named in messages: a folder, or a server without its password.
    var location: String { get }
    /// Folders that belong to the store, which a scan must never enter (the embedded store's
    /// own folder, when it lies inside a scanned one).
    var ownFolders: [String] { get }
    /// Whether an index exists there. A missing index is never created by a read.
    func exists() -> Bool
    /// The spaces the index holds, oldest first. A missing index is an error
    /// (`MMSearchError.Reason.indexMissing`).
    func spaces() throws -> [SpaceRecord]
    /// An index-wide setting as the last run that recorded it left it (`SpaceWriter.record`);
    /// nil when none did or there is no index.
    func setting(_ key: IndexSetting) throws -> String?
    /// Records an index-wide setting at once, in one transaction, without the writer's lock
    /// (an index run may be writing meanwhile).
    func record(_ key: IndexSetting, _ value: String) throws
    /// Opens `space` for writing: takes the writer's lock, records the space when the index
    /// holds none yet, or beside the others when `besideOthers` (its vectors kept as
    /// `storage`), and repairs what a crash left. Another space without `besideOthers` is
    /// refused (`SpaceRecord.matching`): every store keeps this guard. The lock is held until
    /// the writer is released.
    func writer(for space: SpaceID, storage: VectorStorage, besideOthers: Bool) throws -> any SpaceWriter
    /// Removes a space with its files' records, parts, labels and vectors, under the writer's
    /// lock (an index run writing now makes it an error). Other spaces are untouched.
    func drop(_ space: SpaceRecord) throws
    /// Opens a recorded space for reading. Cheap whatever the index's size: reads no vectors.
    func reader(for space: SpaceRecord) throws -> any SpaceReader
    /// Counts of a space (files, failures, modalities, labels) from the catalog alone.
    func counts(of space: SpaceRecord) throws -> SpaceCounts
    /// Files that failed, with their reasons, by path; of every space when `space` is nil.
    func failures(in space: SpaceRecord?) throws -> [FileRecord]
    /// Indexed files whose encoder left a note, by path.
    func notes(in space: SpaceRecord) throws -> [(path: String, note: FileNote)]
    /// Replaces the stored labels of each file (by id) with the given ones, in one transaction,
    /// without the writer's lock.
    func replaceLabels(_ entries: [(fileID: Int64, labels: [LabelScore])], in space: SpaceRecord) throws
    /// Rewrites the stored vectors without dead rows, converting them to `storage` when given.
    func compact(storage: VectorStorage?) throws -> [CompactedSpace]
    /// Verifies the index (catalog, vectors, derived copies, checksums, keyword index) and
    /// reports what is wrong; changes nothing. A missing, locked or newer index is an error.
    func check() throws -> IntegrityReport
    /// Fixes what `check` finds, under the writer's lock: rebuilds what can be derived, drops
    /// rows that cannot be trusted (marking their files failed) and says what it did.
    func repair() throws -> RepairReport
}

/// Writes one space of an index (see `IndexStore.writer(for:storage:)`); used from one thread.
/// Releasing it releases the index's writer lock.
public protocol SpaceWriter: AnyObject {
    var space: SpaceRecord { get }
    /// Records of files at or below `roots` (absolute, standardised), by path.
    func files(under roots: [String]) throws -> [String: FileRecord]
    /// The fingerprint of the encoder that made each file's vectors at or below `roots`, by
    /// path; files recorded without one are missing.
    func encoderFingerprints(under roots: [String]) throws -> [String: String]
    /// The record of `path`, if any.
    func file(path: String) throws -> FileRecord?
    /// An `ok` file with this content hash, size and modality, made by the encoder with
    /// fingerprint `encoder` (or recorded without one), whose vectors can serve another file
    /// with the same bytes.
    func reusable(hash: UInt64, size: Int64, modality: Modality, encoder: String) throws -> FileRecord?
    /// Stores outcomes in one transaction: vectors, parts, records (a path seen again replaces
    /// its old record and retires its old vectors and labels), failures.
    func commit(_ files: [IndexedFile]) throws
    /// Stores each file with copies of its source's vectors, parts and note, in one
    /// transaction.
    func copy(_ copies: [FileCopy]) throws
    /// Notes new sizes and modification times of files whose content did not change, and that
    /// their records vouch for it as of now.
    func touch(_ files: [(id: Int64, file: ScannedFile)]) throws
    /// Gives each record `id` (vectors and all) the new name; a record already at that path is
    /// replaced. One transaction.
    func move(_ moves: [(id: Int64, file: ScannedFile)]) throws
    /// Forgets the files at `paths`; their vectors are retired.
    func remove(paths: [String]) throws
    /// Claims `files` before they are embedded and returns those this writer should embed: on
    /// a store that several writers share at once, a file another live writer is embedding,
    /// or has committed since this writer read its record, is left out. A claim ends when the
    /// file is committed or the writer goes (also when its process is killed). A store with
    /// one writer at a time returns `files` (the default).
    func claim(_ files: [ScannedFile]) throws -> [ScannedFile]
    /// Called after a run's last commit: builds what a store makes in bulk rather than row by
    /// row (a PostgreSQL space's HNSW graph, once the space is large enough). The default does
    /// nothing.
    func finish() throws
    /// Records an index-wide setting (`IndexStore.setting`), at once.
    func record(_ key: IndexSetting, _ value: String) throws
    /// The `ok` images at or below `roots` whose EXIF was never read (indexed before the store
    /// kept photo details), by id and path.
    func imagesWithoutPhotoDetails(under roots: [String]) throws -> [(id: Int64, path: String)]
    /// Stores what each image's EXIF said (replacing what it had), in one transaction.
    func recordPhotoDetails(_ entries: [(id: Int64, photo: PhotoMetadata)]) throws
}

/// Index-wide settings, each a key with a text value.
public struct IndexSetting: RawRepresentable, Hashable, Sendable {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The `InferencePrecision` the last index run embedded at, as an index of one space
    /// recorded it before spaces had settings of their own (see `precision(of:)`).
    public static let precision = IndexSetting(rawValue: "precision")

    /// The `InferencePrecision` the last index run into the space of pack `name` embedded at.
    public static func precision(of name: String) -> IndexSetting { IndexSetting(rawValue: "precision." + name) }

    /// Which space queries use (`SpaceID.key`), when the index holds several; without it, the
    /// oldest.
    public static let activeSpace = IndexSetting(rawValue: "active-space")
}

extension IndexStore {
    /// A writer of `space` in an index that holds it or no space yet.
    public func writer(for space: SpaceID, storage: VectorStorage) throws -> any SpaceWriter {
        try writer(for: space, storage: storage, besideOthers: false)
    }
}

extension SpaceWriter {
    public func claim(_ files: [ScannedFile]) throws -> [ScannedFile] { files }
    public func finish() throws {}
}

/// Reads one space of an index; safe to use from several threads.
public protocol SpaceReader: Sendable {
    var space: SpaceRecord { get }
    /// Runs `body` on one consistent snapshot of the space as last committed.
    func read<T>(_ body: (any SpaceSnapshot) throws -> T) throws -> T
}

/// A row of a space: one vector, of a file or of one of its parts. Its number is the store's
/// (the embedded store: the row in the vector file) and means something only within one
/// snapshot.
public typealias RowID = Int

/// A scored row.
public struct ScoredRow: Sendable, Equatable {
    public let row: RowID
    public let score: Float

    public init(row: RowID, score: Float) {
        self.row = row
        self.score = score
    }
}

/// One query of `SpaceSnapshot.nearest(_:)`.
public struct NearestQuery: Sendable {
    public let vector: [Float]
    public let k: Int
    public let options: SearchOptions

    public init(_ vector: [Float], k: Int, options: SearchOptions) {
        self.vector = vector
        self.k = k
        self.options = options
    }
}

extension SpaceSnapshot {
    public func nearest(_ queries: [NearestQuery]) -> [Result<(rows: [ScoredRow], statistics: SearchStatistics), Error>] {
        queries.map { query in Result { try nearest(query.vector, k: query.k, options: query.options) } }
    }
}

/// One committed state of a space, valid inside `SpaceReader.read`.
public protocol SpaceSnapshot {
    /// Files with vectors.
    func fileCount() throws -> Int
    /// Rows in the space (live or dead): an upper bound on how many `nearest` can return.
    var rowCount: Int { get }
    /// The `k` live rows with the highest dot product with `query` (unit length, the space's
    /// dimension) among those `options`' filters let through (modalities, folders, labels),
    /// best first, scanned as `options` says (method, threads). An unknown label is a usage
    /// error naming the labels there are.
    func nearest(_ query: [Float], k: Int, options: SearchOptions) throws -> (rows: [ScoredRow], statistics: SearchStatistics)
    /// `nearest` of several queries at once (a service's concurrent queries), each with the
    /// answer it gets alone; a store may share one pass over its vectors between them. The
    /// default asks `nearest` once per query.
    func nearest(_ queries: [NearestQuery]) -> [Result<(rows: [ScoredRow], statistics: SearchStatistics), Error>]
    /// The rows whose file (path words, labels) or part (text) matches the words of `texts`,
    /// best keyword score first, at most `limit`, through `options`' filters. A file's match
    /// stands for its first row. Matches on words most of the index shares rank nothing.
    func keywordMatches(_ texts: [String], limit: Int, options: SearchOptions) throws -> [RowID]
    /// The exact score of one row, as `nearest` computes it.
    func score(_ query: [Float], row: RowID) throws -> Float
    /// The hit for a scored row: its file, its part (for a file searched by its parts) and the
    /// file's stored labels; nil when no file owns the row.
    func hit(row: RowID, score: Float) throws -> SearchHit?
    /// The parts kept under a file's one row (a video's frames), with their vectors, in time
    /// order; empty for most files.
    func partsUnderRow(ofFile path: String) throws -> [FilePart]
    /// An indexed file with vectors, by its id, with its parts (without vectors) and stored
    /// labels; nil when no such file has vectors in this snapshot (unknown, failed, deleted).
    func file(id: Int64) throws -> FileDetails?
    /// Every file with vectors, by path.
    func items() throws -> [IndexedItem]
    /// The vectors of `item`'s rows, in order; nil when the index changed under the item.
    func vectors(of item: IndexedItem) throws -> [[Float]]?
    /// For each item of `matrix` (files as `items()` lists them), the other items whose rows
    /// the store's approximate index finds among the `width` nearest to the item's vector,
    /// found on `threads` threads: candidate pairs for `DuplicateFinder`. Nil when the space
    /// has no approximate index (the default): the caller compares every pair.
    func approximateNeighbours(of matrix: SpaceMatrix, width: Int, threads: Int) throws -> [[Int]]?
}

extension SpaceSnapshot {
    public func approximateNeighbours(of matrix: SpaceMatrix, width: Int, threads: Int) throws -> [[Int]]? { nil }
}
