import Foundation

/// Where mmsearch keeps things by default, resolved from explicit settings first, then the
/// environment, then the XDG base directories, then the home directory.
public struct Locations: Sendable {
    public let environment: [String: String]
    public let homeDirectory: String
    public let currentDirectory: String

    public init(environment: [String: String], homeDirectory: String, currentDirectory: String) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.currentDirectory = currentDirectory
    }

    /// The locations of the running process.
    public static func current() -> Locations {
        let env = ProcessInfo.processInfo.environment
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return Locations(environment: env, homeDirectory: home,
                         currentDirectory: FileManager.default.currentDirectoryPath)
    }

    /// The models directory: `$MMSEARCH_MODELS`, else `$XDG_CACHE_HOME/mmsearch/models`,
    /// else `~/.cache/mmsearch/models`.
    public func modelsDirectory() -> URL {
        if let dir = nonEmpty("MMSEARCH_MODELS") { return url(dir) }
        let cache = nonEmpty("XDG_CACHE_HOME") ?? homeDirectory + "/.cache"
        return url(cache + "/mmsearch/models")
    }

    /// Where weight digests are cached (see `WeightsDigest`): `$XDG_CACHE_HOME/mmsearch/digests`,
    /// else `~/.cache/mmsearch/digests`.
    public func digestCacheDirectory() -> URL {
        let cache = nonEmpty("XDG_CACHE_HOME") ?? homeDirectory + "/.cache"
        return url(cache + "/mmsearch/digests")
    }

    /// The index directory: `explicit` (`--index`), else `$MMSEARCH_INDEX`, else
    /// `$XDG_DATA_HOME/mmsearch/index`, else `~/.local/share/mmsearch/index`.
    public func indexDirectory(explicit: String? = nil) -> URL {
        if let explicit, !explicit.isEmpty { return url(explicit) }
        if let dir = nonEmpty("MMSEARCH_INDEX") { return url(dir) }
        let data = nonEmpty("XDG_DATA_HOME") ?? homeDirectory + "/.local/share"
        return url(data + "/mmsearch/index")
    }

    /// Where the index a command works on lives, as the user named it: `store` (`--store`: a
    /// `postgres://` URL or a folder), else `directory` (`--index`), else `$MMSEARCH_STORE`,
    /// else `$MMSEARCH_INDEX`, else `$XDG_DATA_HOME/mmsearch/index`. Folders come back
    /// absolute, URLs as given; naming both `store` and `directory` is a usage error.
    public func indexLocation(store: String? = nil, directory: String? = nil) throws -> String {
        let store = store.flatMap { $0.isEmpty ? nil : $0 }
        let directory = directory.flatMap { $0.isEmpty ? nil : $0 }
        if store != nil, directory != nil {
            throw MMSearchError(.usage, "give --store or --index, not both")
        }
        if let explicit = store ?? directory ?? (nonEmpty("MMSEARCH_STORE")) {
            // A URL (any scheme: which stores there are is not this type's business) stays as
            // given; a folder becomes absolute.
            return explicit.contains("://") ? explicit : absolutePath(explicit)
        }
        return indexDirectory().path
    }

    /// A folder of this machine's cache for what belongs to an index that is not a folder
    /// (a PostgreSQL store's thumbnails): `$XDG_CACHE_HOME/mmsearch/<name>`.
    public func cacheDirectory(_ name: String) -> URL {
        let cache = nonEmpty("XDG_CACHE_HOME") ?? homeDirectory + "/.cache"
        return URL(fileURLWithPath: cache + "/mmsearch/" + name, isDirectory: true)
    }

    /// `path` made absolute against the current directory, with `~/` expanded.
    public func absolutePath(_ path: String) -> String {
        FilePaths.absolute(path, relativeTo: currentDirectory, home: homeDirectory)
    }

    private func url(_ path: String) -> URL {
        URL(fileURLWithPath: absolutePath(path), isDirectory: true)
    }

    private func nonEmpty(_ key: String) -> String? {
        guard let value = environment[key], !value.isEmpty else { return nil }
        return value
    }
}
