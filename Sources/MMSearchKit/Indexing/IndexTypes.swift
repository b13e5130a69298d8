import Foundation
import MMTensor

/// How an index run works.
public struct IndexOptions: Sendable {
    /// Worker threads that decode and embed (default: the active cores).
    public var threads: Int
    /// Files per encoder call.
    public var batchSize: Int
    /// The writer commits after this many files…
    public var commitEvery: Int
    /// …or after this many seconds, whichever comes first.
    public var commitInterval: TimeInterval
    /// Names (`fnmatch` patterns) of folders and files below the roots that are never looked
    /// at. Defaults to `defaultExcludedNames`.
    public var excludedNames: [String]
    /// Folders (absolute paths) never entered.
    public var excludedPaths: [String]
    /// Also index hidden files and folders (names starting with `.`) below the roots.
    public var includeHidden: Bool
    /// How a new index stores its vectors: `.f32` (the default: exact search gives the
    /// encoder's own scores) or `.f16` (half the disk). An existing index keeps its format;
    /// `Index.compact(storage:)` converts it.
    public var storage: VectorStorage
    /// How much of one long text file is embedded (see `TextBudget`).
    public var textBudget: TextBudget
    /// Whether a run may add the pack's space to an index that holds other spaces (a model
    /// change: the new space is built beside the old one, which keeps answering queries until
    /// `Index.use` switches). Without it such a run is refused (`MMSearchError.spaceMismatch`).
    public var besideOtherSpaces = false
    /// Whether the text inside images is read (OCR) and searched: `.auto` (the default) reads
    /// images in which a quick look finds text, `.on` every image, `.off` none.
    public var imageText: ImageTextMode
    /// Seconds the recognition of one image may take; the text read by then is kept.
    public var imageTextBudget: TimeInterval

    /// The names of files and folders an index run never looks at (see `SkippedNames`).
    public var skippedNames: SkippedNames {
        SkippedNames(patterns: excludedNames, includeHidden: includeHidden)
    }

    /// Version-control folders, package caches, trash and thumbnail folders.
    public static let defaultExcludedNames = [
        ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox", ".cache",
        ".Trash", ".Trash-*", "@eaDir", "$RECYCLE.BIN", "System Volume Information",
    ]

    public init(threads: Int = Cores.available, batchSize: Int = 16,
                commitEvery: Int = 256, commitInterval: TimeInterval = 1,
                excludedNames: [String] = IndexOptions.defaultExcludedNames, excludedPaths: [String] = [],
                includeHidden: Bool = false, storage: VectorStorage = .f32, textBudget: TextBudget = TextBudget(),
                imageText: ImageTextMode = .auto, imageTextBudget: TimeInterval = 5) {
        self.threads = max(1, threads)
        self.batchSize = max(1, batchSize)
        self.commitEvery = max(1, commitEvery)
        self.commitInterval = commitInterval
        self.excludedNames = excludedNames
        self.excludedPaths = excludedPaths
        self.includeHidden = includeHidden
        self.storage = storage
        self.textBudget = textBudget
        self.imageText = imageText
        self.imageTextBudget = imageTextBudget
    }
}

/// Whether indexing reads the text inside images (see `ImageTextReader`).
public enum ImageTextMode: String, Sendable, CaseIterable, Codable {
    /// Images in which Tesseract's layout analysis of a shrunk copy finds a block of text.
    case auto
    /// Every image, at full size.
    case on
    /// None: an image is one row, as before.
    case off
}

/// Names of files and folders indexing never looks at, wherever they are: hidden ones (starting
/// with `.`) unless `includeHidden`, and those matching one of `patterns` (`fnmatch`). The scan
/// of an index run and a service's folder watcher skip the same names.
public struct SkippedNames: Sendable {
    public let patterns: [String]
    public let includeHidden: Bool

    public init(patterns: [String], includeHidden: Bool) {
        self.patterns = patterns
        self.includeHidden = includeHidden
    }

    public func contains(_ name: String) -> Bool {
        (name.hasPrefix(".") && !includeHidden) || patterns.contains { fnmatch($0, name, 0) == 0 }
    }
}

/// The budget of one text file: its first `maxChunks` chunks are embedded, and embedding stops
/// once the file has taken `maxSeconds` since it began to be read (checked between pieces of
/// 32 chunks, so a piece may run over). A file cut short is indexed with what was embedded and
/// the note `first N of M chunks indexed`; like a recording cut at `--max-audio-seconds`, it is
/// not read again until it changes (touch it to index it again under a bigger budget). With
/// the 16 MiB size limit on text files this bounds one file's time and memory however it is
/// written (docs/ARCHITECTURE.md, "Budgets").
public struct TextBudget: Sendable, Equatable {
    public var maxChunks: Int
    public var maxSeconds: TimeInterval

    public static let defaultMaxChunks = 2_000
    public static let defaultMaxSeconds: TimeInterval = 300

    public init(maxChunks: Int = TextBudget.defaultMaxChunks, maxSeconds: TimeInterval = TextBudget.defaultMaxSeconds) {
        self.maxChunks = max(1, maxChunks)
        self.maxSeconds = maxSeconds > 0 ? maxSeconds : TextBudget.defaultMaxSeconds
    }
}

/// Where an index run is.
public struct IndexProgress: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// Walking the folders; `found` grows.
        case scanning
        /// Reading new and changed files to recognise moved and copied ones; `done` grows
        /// towards `total`.
        case hashing
        /// Embedding the new and changed files; `done` grows towards `total`.
        case embedding
        /// Reading the EXIF of photos indexed before the index kept it; `done` grows towards
        /// `total`.
        case photoDetails
    }

    public var phase: Phase
    /// Files of a readable type found so far.
    public var found: Int
    /// Files the current phase works through: new or changed files while hashing, files that
    /// need embedding while embedding.
    public var total: Int
    /// Of those, how many are finished.
    public var done: Int
    public var failed: Int
    public var unchanged: Int
    /// Seconds since embedding began.
    public var elapsed: TimeInterval
    /// Chunks of the long text files being embedded now, and how many of them are done: a
    /// file of thousands of chunks shows its progress before it is finished.
    public var chunksDone = 0
    public var chunksTotal = 0

    /// Files per second so far, once there is something to measure.
    public var rate: Double? {
        guard done > 0, elapsed > 0 else { return nil }
        return Double(done) / elapsed
    }

    /// Seconds left at the current rate.
    public var eta: TimeInterval? {
        guard let rate, rate > 0 else { return nil }
        return Double(total - done) / rate
    }
}

/// Something an index run tells its caller while it goes.
public enum IndexEvent: Sendable {
    case progress(IndexProgress)
    /// A file (or folder) could not be indexed; reported once per run.
    case failed(path: String, reason: String)
}

/// A file that could not be indexed, and why.
public struct IndexFailure: Sendable, Equatable {
    public let path: String
    public let reason: String
}

/// A file indexed with a remark from its encoder (`no speech`, `first 3600 s of 5400 s
/// indexed`): not a failure, but worth telling.
public struct IndexNote: Sendable, Equatable {
    public let path: String
    public let note: FileNote
}

/// What an index run did.
public struct IndexSummary: Sendable, CustomStringConvertible {
    /// Files embedded and stored by this run.
    public var indexed = 0
    /// Files whose size and modification time had not changed since they were indexed, or
    /// whose content had not.
    public var unchanged = 0
    /// Files stored with the vectors of a file with the same content (moved, renamed or
    /// copied), without embedding.
    public var reused = 0
    /// Files (and folders) that could not be indexed; see `failures`.
    public var failed = 0
    /// Files gone from the scanned folders, removed from the index.
    public var removed = 0
    /// Files another indexer writing to the same store was embedding (a shared PostgreSQL
    /// store): left to it.
    public var elsewhere = 0
    /// Wall-clock seconds.
    public var seconds: TimeInterval = 0
    /// True when the run was cancelled before it finished; what it committed stays.
    public var interrupted = false
    public var failures: [IndexFailure] = []
    /// Files this run embedded whose encoder left a note, in the order they were stored.
    public var notes: [IndexNote] = []
    /// Photos whose EXIF held values that could not be used (a date that does not exist, a
    /// latitude of 123°, an IFD pointing at itself), and which: they are indexed without them.
    public var photoNotes: [IndexFailure] = []

    /// `indexed 24, unchanged 0, failed 5 (2.1 s)`, with `reused N` and `removed N` when
    /// some were.
    public var description: String {
        var text = "indexed \(indexed), unchanged \(unchanged), failed \(failed)"
        if reused > 0 { text += ", reused \(reused)" }
        if removed > 0 { text += ", removed \(removed)" }
        if elsewhere > 0 { text += ", \(elsewhere) left to another indexer" }
        text += " (\(String(format: "%.1f", seconds)) s)"
        if interrupted { text += ", interrupted" }
        return text
    }
}
