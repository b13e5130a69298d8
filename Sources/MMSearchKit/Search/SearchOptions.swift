import Foundation
import MMTensor

/// How a search scans the vectors.
public struct SearchOptions: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// `approximate` where the space has an approximate index (an embedded space of at
        /// least 100 000 rows; a PostgreSQL space's HNSW index), otherwise `quantized` where
        /// the index has int8 rows and `exact` for any rows it lacks them for.
        case automatic
        /// The dot product of the query with every stored (f32 or f16) row.
        case exact
        /// An int8 scan that bounds every row's score, then exact rescoring of the rows whose
        /// bound reaches the k-th best: the same results as `exact`, reading a quarter of the
        /// bytes of f32 rows.
        case quantized
        /// A walk of the space's approximate index (an HNSW graph over the int8 rows) for its
        /// `searchWidth` nearest rows, rescored exactly: recall@10 about 0.98 in a fraction
        /// of a scan's time. Spaces without one are scanned as `automatic` would.
        case approximate
    }

    public var method: Method
    /// Candidates an approximate search keeps (HNSW's ef; at least the number of results
    /// asked for): more finds more of the true nearest rows and takes longer.
    public var searchWidth: Int
    /// Threads that scan parts of the rows at once (at least 1).
    public var threads: Int
    /// Fewest rows worth a thread of their own: smaller indexes are scanned on one thread.
    public var rowsPerThread: Int
    /// Only results of these modalities (`[.image]`: photos, not text chunks); nil for all.
    /// Applied during the scan from each row's tag, so the best `limit` of them come back.
    public var modalities: Set<Modality>?
    /// Only files at or below one of these paths (absolute and standardised, see
    /// `FilePaths.absolute`: folders, or single files); nil for all. Applied during the scan.
    public var directories: [String]?
    /// Only files carrying one of these stored labels (see `Engine.labelAll`); nil for all.
    /// Applied during the scan. A label no file carries is a usage error naming the labels
    /// there are.
    public var labels: [String]?
    /// Only results whose score (cosine similarity) is at least this; nil for all. With
    /// `hybrid`, results found by their words are kept whatever their score.
    public var minimumScore: Float?
    /// Only results that stand out from the query's scores over the whole space
    /// (`AutomaticCutoff`); nil for all. Applies with `minimumScore` (the higher of the two
    /// wins). With `hybrid`, results found by their words are kept whatever their score.
    public var cutoff: AutomaticCutoff?
    /// Fuse the vector ranking with a BM25 ranking of the query's words over path names,
    /// stored labels and text chunks by reciprocal rank fusion (`HybridSearch`), so exact words
    /// (file names, codes) are found even when the vectors miss them. Only `Engine.search`
    /// does this (it needs the query's text); `IndexReader.search` ignores it.
    public var hybrid: Bool
    /// Every matching chunk of a file (a text file's chunks, a recording's passages) as a
    /// result of its own. By default (false) a file is one result: its best chunk, scored as
    /// that chunk, so `limit` results are `limit` different files.
    public var allChunks: Bool
    /// Only files whose date (`FileDate`: the date a photo was taken, else the file's
    /// modification time) falls in this window; nil for all. Applied during the scan.
    public var dates: DateWindow?
    /// Only photos whose camera make or model contains this text (any case); nil for all.
    /// Applied during the scan.
    public var camera: String?
    /// Only photos taken within this circle (their EXIF GPS position); nil for all. Applied
    /// during the scan.
    public var near: GeoCircle?
    /// The order of the results: best first (default), or the best `limit` by date.
    public var order: ResultOrder

    public init(method: Method = .automatic,
                threads: Int = Cores.available,
                rowsPerThread: Int = 32_768, modalities: Set<Modality>? = nil,
                directories: [String]? = nil, labels: [String]? = nil, minimumScore: Float? = nil,
                hybrid: Bool = false, allChunks: Bool = false, searchWidth: Int = SearchOptions.defaultSearchWidth,
                dates: DateWindow? = nil, camera: String? = nil, near: GeoCircle? = nil, order: ResultOrder = .score,
                cutoff: AutomaticCutoff? = nil) {
        self.method = method
        self.searchWidth = max(1, searchWidth)
        self.threads = max(1, threads)
        self.rowsPerThread = max(1, rowsPerThread)
        self.modalities = modalities
        self.directories = directories
        self.labels = labels
        self.minimumScore = minimumScore
        self.hybrid = hybrid
        self.allChunks = allChunks
        self.dates = dates
        self.camera = camera
        self.near = near
        self.order = order
        self.cutoff = cutoff
    }

    /// Whether a photo filter (dates, camera, position) is set: what stores read from their
    /// photo tables.
    public var filtersPhotos: Bool { !(dates?.isEmpty ?? true) || camera != nil || near != nil }

    /// What the rows a search may return depend on (not its method, threads, order or scores):
    /// a store reads the rows of one set of filters once per snapshot, keyed by it.
    public struct Filters: Hashable, Sendable {
        public let modalities: Set<Modality>?
        public let directories: [String]?
        public let labels: [String]?
        public let dates: DateWindow?
        public let camera: String?
        public let near: GeoCircle?
    }

    public var filters: Filters {
        Filters(modalities: modalities, directories: directories, labels: labels, dates: dates, camera: camera, near: near)
    }
}

extension SearchOptions {
    /// The embedded store's approximate search width. On 1M vectors made from real
    /// embeddings (`Scripts/bench/ann.sh`: m 24, several entry points), recall@10 was 0.954
    /// at 128, 0.987 at 256 and 0.997 at 384, for 0.27, 0.40 and 0.52 ms a query on one Zen 4
    /// core.
    public static let defaultSearchWidth = 384
}

/// What one search did, for benchmarks and diagnostics.
public struct SearchStatistics: Sendable, Equatable {
    /// Rows scanned exactly (f32 or f16).
    public var exactRows = 0
    /// Rows scanned in int8.
    public var quantizedRows = 0
    /// Rows of the int8 scan that were rescored exactly.
    public var rescored = 0
    /// Threads used.
    public var threads = 1
    /// Whether the approximate index answered (the rows it found, `rescored`, were rescored
    /// exactly).
    public var approximate = false

    public init() {}
}
