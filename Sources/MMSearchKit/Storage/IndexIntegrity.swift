import Foundation

/// One thing `IndexStore.check()` found wrong with an index: what, where, and what
/// `IndexStore.repair()` does about it.
public struct IntegrityProblem: Sendable, Equatable {
    /// The classes of damage a store checks for.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The catalog cannot be read as a catalog: empty, not an SQLite database, not
        /// mmsearch's, or failing SQLite's own integrity check.
        case catalog
        /// The catalog names a vector file that is not a plain file name inside the index
        /// (a `/`, `..`, an empty name, an unexpected extension).
        case vectorFileName = "vector-file-name"
        /// A vector file is missing, its header is damaged, or it disagrees with the catalog
        /// (dimension, element type, space).
        case vectorFile = "vector-file"
        /// The vector file has fewer rows than the catalog counts, or a file claims rows past
        /// the committed ones.
        case rows
        /// Rows whose bytes do not match their checksum.
        case checksum
        /// Rows (or parts) that are not finite unit vectors: NaN, infinite, not of length 1.
        case badVector = "bad-vector"
        /// Rows of a checksummed vector file without a checksum (its checksum file is missing
        /// or damaged).
        case missingChecksums = "missing-checksums"
        /// The int8 copy disagrees with the vector file (missing, damaged, other rows).
        case int8Copy = "int8-copy"
        /// The approximate index (a graph over the int8 copy) cannot be used: damaged, or
        /// made for other rows. Searches scan instead until it is rebuilt.
        case approximateIndex = "approximate-index"
        /// Tags (each row's modality) disagree with the catalog.
        case tags
        /// Dead-row ranges (tombstones) that cover files' rows, rows that belong to no file
        /// and no dead range, or files that claim the same rows.
        case deadRows = "dead-rows"
        /// A file's parts disagree with its rows (chunks missing or extra).
        case parts
        /// The keyword index (full-text search) disagrees with the files, chunks and labels.
        case keywordIndex = "keyword-index"
    }

    /// What `repair` does about a problem.
    public enum Remedy: String, Sendable, Codable {
        /// Derived data is rebuilt from the vectors and the catalog; search results are then
        /// what they were before the damage.
        case rebuild
        /// The rows cannot be trusted: they are dropped and their files marked failed, so the
        /// next index run embeds them again.
        case reembed
        /// The catalog is set aside and a new one started; the next index run embeds every file
        /// again.
        case newCatalog = "new-catalog"
        /// Nothing `repair` can do: re-index into a new index.
        case none
    }

    public let kind: Kind
    /// The space it concerns; nil for the catalog as a whole.
    public let space: SpaceID?
    /// One line for a person: what was found, naming the file, rows or paths.
    public let message: String
    public let remedy: Remedy
    /// Indexed files (absolute paths) whose vectors are affected: `reembed` embeds them again.
    public let files: [String]

    public init(_ kind: Kind, space: SpaceID?, _ message: String, remedy: Remedy, files: [String] = []) {
        self.kind = kind
        self.space = space
        self.message = message
        self.remedy = remedy
        self.files = files
    }
}

/// What `IndexStore.check()` found: the problems, notes that are no problem (rows written
/// before checksums existed, stray files), and how much was checked.
public struct IntegrityReport: Sendable, Equatable {
    /// How the index is named in messages.
    public var location: String
    public var problems: [IntegrityProblem] = []
    /// Facts worth knowing that need no repair.
    public var notes: [String] = []
    /// Spaces, indexed files with vectors, and their (live) rows checked.
    public var spaces = 0
    public var files = 0
    public var rows = 0
    /// Live rows whose bytes were verified against a checksum.
    public var checksummedRows = 0

    public init(location: String) {
        self.location = location
    }

    /// True when nothing is wrong.
    public var isSound: Bool { problems.isEmpty }

    /// The files that `repair` would drop and the next index run embed again, by path.
    public var filesToEmbedAgain: [String] {
        Array(Set(problems.filter { $0.remedy == .reembed }.flatMap(\.files))).sorted()
    }
}

/// What `IndexStore.repair()` did.
public struct RepairReport: Sendable, Equatable {
    /// One thing repair did, for the problem class it fixed.
    public struct Action: Sendable, Equatable {
        public let kind: IntegrityProblem.Kind
        public let message: String

        public init(_ kind: IntegrityProblem.Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }
    }

    /// What the check before repairing found.
    public var found: IntegrityReport
    /// What was done, in order.
    public var actions: [Action] = []
    /// Files whose rows were dropped and marked failed: the next index run embeds them again.
    public var embedAgain: [String] = []
    /// True when a new catalog was started: the next index run embeds every file again.
    public var newCatalog = false
    /// What a check after repairing still finds (nothing, normally).
    public var remaining: IntegrityReport

    public init(found: IntegrityReport, remaining: IntegrityReport) {
        self.found = found
        self.remaining = remaining
    }

    /// True when the index is sound now (files to embed again are fine: the next index run
    /// does it).
    public var isSound: Bool { remaining.isSound }
}
