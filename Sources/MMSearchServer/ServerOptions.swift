import Foundation
import MMSearchKit
import MMTensor

/// How `mmsearch serve` runs: where it listens, who may ask, which folders it serves.
public struct ServerOptions: Sendable {
    /// The address to bind: loopback by default. Any other needs `token`.
    public var host: String
    public var port: Int
    /// The bearer token every API request must carry; nil for none (loopback only).
    public var token: String?
    /// Folders (absolute, standardised) whose indexed files the service shows and re-indexes
    /// (`POST /api/v1/index`). Content and thumbnails are served only for files inside them,
    /// symbolic links resolved.
    public var roots: [String]
    /// Keep `roots` indexed as files come and go (inotify), with a full rescan at start.
    public var watch: Bool
    /// Largest request body (an upload), in bytes.
    public var uploadLimit: Int
    /// How runs started by the service index (threads, excludes, limits).
    public var indexing: IndexOptions
    /// Where thumbnails are cached; nil to make them anew each time.
    public var thumbnailFolder: URL?
    /// The most bytes the thumbnail cache keeps (the least recently shown go first).
    public var thumbnailCacheLimit: Int64
    /// How long a burst of file events is waited out before indexing it.
    public var watchDebounce: TimeInterval
    /// Threads one request's embedding and scan use. One: under load, requests run side by
    /// side on the cores, which gives more answers a second than splitting each one.
    public var threadsPerRequest = 1
    /// Threads a batch of plain-text searches uses (`SearchBatches`): every core.
    public var searchThreads = Cores.available

    public static let defaultPort = 7878
    public static let defaultUploadLimit = 32 << 20
    public static let defaultThumbnailCacheLimit: Int64 = 1 << 30

    public init(host: String = "127.0.0.1", port: Int = ServerOptions.defaultPort, token: String? = nil,
                roots: [String] = [], watch: Bool = false, uploadLimit: Int = ServerOptions.defaultUploadLimit,
                indexing: IndexOptions = IndexOptions(), thumbnailFolder: URL? = nil,
                thumbnailCacheLimit: Int64 = ServerOptions.defaultThumbnailCacheLimit, watchDebounce: TimeInterval = 0.5) {
        self.host = host
        self.port = port
        self.token = token
        self.roots = roots
        self.watch = watch
        self.uploadLimit = uploadLimit
        self.indexing = indexing
        self.thumbnailFolder = thumbnailFolder
        self.thumbnailCacheLimit = thumbnailCacheLimit
        self.watchDebounce = watchDebounce
    }

    /// Whether `host` names this machine only (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
