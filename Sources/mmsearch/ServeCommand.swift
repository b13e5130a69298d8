import ArgumentParser
import Foundation
import Logging
import MMSearchKit
import MMSearchServer

/// `mmsearch serve [DIR…]`
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the index: an HTTP API, a web page of thumbnails, warm models, live folders.",
        discussion: """
            Loads the model pack once and answers queries over HTTP at \
            http://127.0.0.1:7878/ (the web page) and /api/v1 (the JSON API, described by \
            /api/v1/openapi.json; see docs/SERVICE.md). The server listens at once and \
            answers 503 until the pack is loaded.

            DIR… are the served folders: their indexed files' thumbnails and contents are \
            shown (nothing outside them, symbolic links resolved), and POST /api/v1/index \
            indexes them again. With --watch they stay indexed: new, changed, moved and \
            deleted files are indexed as `mmsearch index` does, within seconds, while queries \
            go on answering; a full (incremental) pass runs at start.

            Loopback only by default. Binding another address needs a token: every API \
            request then carries `Authorization: Bearer TOKEN` (the page asks for it once). \
            Ctrl-C or SIGTERM stops the server gracefully: requests in flight finish, an index \
            run stops at its next commit.

            EXAMPLES
              mmsearch serve ~/Pictures --watch
              mmsearch serve ~/Pictures --host 0.0.0.0 --token-file ~/.config/mmsearch/token
              curl 'http://127.0.0.1:7878/api/v1/search?q=a+dog&top=3'
              mmsearch query "a dog" --server http://127.0.0.1:7878
            """)

    @Argument(help: ArgumentHelp("Folders whose indexed files are served (and indexed again on request or with --watch).",
                                 valueName: "dir"))
    var folders: [String] = []

    @Option(help: ArgumentHelp("Address to listen on (default 127.0.0.1; another needs a token).", valueName: "host"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port to listen on (default \(ServerOptions.defaultPort); 0 picks a free one).", valueName: "port"))
    var port = ServerOptions.defaultPort

    @Flag(help: "Keep the folders indexed as files come and go (inotify).")
    var watch = false

    @Option(name: .customLong("token-file"), help: ArgumentHelp(
        "Require this token (the file's first line) on every API request; also MMSEARCH_TOKEN.", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("max-upload"), help: ArgumentHelp(
        "Largest upload (query by example) in MiB (default \(ServerOptions.defaultUploadLimit >> 20)).", valueName: "mib"))
    var maxUpload = ServerOptions.defaultUploadLimit >> 20

    @Option(name: .customLong("thumbnail-cache"), help: ArgumentHelp(
        "Most disk the thumbnail cache beside the index may use, in MiB (default \(ServerOptions.defaultThumbnailCacheLimit >> 20)); the least recently shown go first.",
        valueName: "mib"))
    var thumbnailCache = Int(ServerOptions.defaultThumbnailCacheLimit >> 20)

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions
    @OptionGroup var indexing: IndexingOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard maxUpload >= 1 && maxUpload <= 4096 else { throw ValidationError("--max-upload must be from 1 to 4096 MiB") }
        guard thumbnailCache >= 1 else { throw ValidationError("--thumbnail-cache must be at least 1 MiB") }
        if watch && folders.isEmpty { throw ValidationError("--watch needs the folders to watch: `mmsearch serve ~/Pictures --watch`") }
    }

    func run() throws {
        let locations = Locations.current()
        let token = try readToken()
        guard token != nil || ServerOptions.isLoopback(host) else {
            throw ValidationError("listening on \(host) lets other machines in: give a token with --token-file FILE or MMSEARCH_TOKEN")
        }
        var roots: [String] = []
        for folder in folders {
            let path = locations.absolutePath(folder)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("\(folder): no such folder")
            }
            roots.append(path)
        }
        let index = try self.index.index(locations)
        let options = ServerOptions(host: host, port: port, token: token, roots: roots, watch: watch,
                                    uploadLimit: maxUpload << 20, indexing: indexing.options(locations),
                                    thumbnailFolder: try self.index.thumbnailFolder(locations),
                                    thumbnailCacheLimit: Int64(thumbnailCache) << 20)
        var logger = Logger(label: "mmsearch")
        logger.logLevel = ProcessInfo.processInfo.environment["MMSEARCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let model = self.model
        let server = SearchServer(options: options, index: index, version: MMSearch.version, logger: logger,
                                  onListening: { url in
                                      Console.error("mmsearch: serving \(index.location) at \(url)")
                                  }) {
            // Every network now, so no query waits for one to open.
            let pack = try model.load(locations, index: index)
            try pack.prepare()
            return Engine(pack: pack, index: index)
        }
        let outcome = Locked<Result<Void, Error>>(.success(()))
        let finished = DispatchSemaphore(value: 0)
        Task {
            do { try await server.run() } catch { outcome.withLock { $0 = .failure(error) } }
            finished.signal()
        }
        finished.wait()
        try outcome.withLock { try $0.get() }
    }

    private func readToken() throws -> String? {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ValidationError("\(tokenFile): cannot read the token file")
            }
            let token = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard token.count >= 16 else { throw ValidationError("\(tokenFile): the token must have at least 16 characters") }
            return token
        }
        if let token = ProcessInfo.processInfo.environment["MMSEARCH_TOKEN"], !token.isEmpty {
            guard token.count >= 16 else { throw ValidationError("MMSEARCH_TOKEN must have at least 16 characters") }
            return token
        }
        return nil
    }
}
