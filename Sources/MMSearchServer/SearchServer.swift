import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MMSearchKit
import ServiceLifecycle

/// `mmsearch serve`: the engine kept warm behind an HTTP API (`/api/v1`, described by
/// `openapi.json`) and a web page, with live folders.
///
///     try await SearchServer(options: options, index: index) { try loadEngine() }.run()
///
/// The server binds at once and loads the pack in the background (the API answers `503
/// loading` meanwhile). SIGINT and SIGTERM shut it down gracefully: the index run going stops
/// at its next check point (what it committed stays), event streams end, requests in flight
/// finish.
public struct SearchServer: Sendable {
    let options: ServerOptions
    let index: Index
    let load: @Sendable () throws -> Engine
    let version: String
    /// Called once the server listens, with the address it listens on (the port chosen when
    /// `options.port` is 0).
    let onListening: @Sendable (String) -> Void
    let logger: Logger

    public init(options: ServerOptions, index: Index, version: String, logger: Logger,
                onListening: @escaping @Sendable (String) -> Void = { _ in },
                load: @escaping @Sendable () throws -> Engine) {
        self.options = options
        self.index = index
        self.version = version
        self.logger = logger
        self.onListening = onListening
        self.load = load
    }

    public func run() async throws {
        let service = SearchService(options: options)
        let thumbnails = ThumbnailCache(folder: options.thumbnailFolder, limit: options.thumbnailCacheLimit)
        let runs = IndexRuns(options: options.indexing, engine: { try service.engine() }) { summary in
            // Thumbnails of files the run removed go with them (a changed or moved file keeps
            // its id, and its new version gets thumbnails of a new name).
            if summary.removed > 0, let items = try? service.reader().items() {
                thumbnails.prune(keeping: Set(items.map(\.fileID)))
            }
        }
        let watcher = options.watch && !options.roots.isEmpty
            ? FolderWatcher(roots: options.roots, excluded: index.store.ownFolders,
                            skipped: options.indexing.skippedNames, debounce: options.watchDebounce) { batch in
                runs.request(roots: batch.overflow ? options.roots : LiveFolders.roots(for: batch.paths, within: options.roots))
            }
            : nil
        try watcher?.start()
        let logger = self.logger
        service.load(load) { engine in
            logger.info("model pack '\(engine.pack.name)' loaded")
            // Live folders start with a full (incremental) pass over what changed while no one watched.
            if options.watch { runs.request(roots: options.roots) }
        }

        let router = Router()
        let table = RouteTable()
        router.add(middleware: APIErrorMiddleware(logger: logger, routes: table))
        router.add(middleware: SecurityHeadersMiddleware())
        if let token = options.token { router.add(middleware: TokenMiddleware(token: token)) }
        Routes(service: service, runs: runs, access: FileAccess(roots: options.roots),
               thumbnails: thumbnails, version: version).add(to: router, table: table)

        let onListening = self.onListening
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "mmsearch/\(version)"),
            onServerRunning: { channel in
                let address = channel.localAddress
                let host = options.host.contains(":") ? "[\(options.host)]" : options.host
                onListening("http://\(host):\(address?.port ?? options.port)/")
            },
            logger: logger)
        // Services shut down in reverse order: the hook first (the watcher stops, the run stops
        // at its next check point, event streams end), then the server, which waits for the
        // requests in flight — an open event stream among them would otherwise hold it forever.
        let hook = ShutdownHook {
            watcher?.stop()
            runs.close()
        }
        try await ServiceGroup(configuration: .init(services: [app, hook], gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: logger)).run()
    }
}

/// Runs `body` when the service group shuts down gracefully (SIGINT, SIGTERM).
struct ShutdownHook: Service {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func run() async throws {
        try? await gracefulShutdown()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                body()
                continuation.resume()
            }
        }
    }
}

/// Which folders to index again after files changed: the nearest existing folder of each
/// changed path (a deleted file's folder, a new file's folder, a new folder itself), within
/// the watched roots, without folders inside others.
enum LiveFolders {
    static func roots(for paths: Set<String>, within watched: [String]) -> [String] {
        var folders = Set<String>()
        for path in paths {
            guard let root = watched.first(where: { FilePaths.isSameOrInside(path, $0) }) else { continue }
            var folder = (path as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { folder = path }
            while folder != root, folder.count > root.count,
                  !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) {
                folder = (folder as NSString).deletingLastPathComponent
            }
            folders.insert(FilePaths.isSameOrInside(folder, root) ? folder : root)
        }
        return folders.filter { folder in !folders.contains { $0 != folder && FilePaths.isSameOrInside(folder, $0) } }.sorted()
    }
}

/// Every error a handler throws becomes the API's JSON error body with its status; a 5xx is
/// logged.
struct APIErrorMiddleware: RouterMiddleware {
    let logger: Logger
    let routes: RouteTable

    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var apiError = APIError.from(error)
            if apiError.status == .notFound, (error as? HTTPError)?.status == .notFound {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    apiError = APIError(status: .methodNotAllowed, code: "method_not_allowed",
                                        message: "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method)",
                                        headers: [.allow: allowed.joined(separator: ", ")])
                }
            }
            if apiError.status.code >= 500 {
                logger.error("\(request.method) \(request.uri.path): \(apiError.message)")
            }
            return try apiError.response(from: request, context: context)
        }
    }
}

/// Headers that keep the page and the API from being framed or sniffed, and the page from
/// loading anything but its own files.
struct SecurityHeadersMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] =
                "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'"
        }
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return response
    }
}

/// With a token, every API request but the status and the API's description must carry it:
/// `Authorization: Bearer TOKEN`, or the page's cookie `mmsearch_token`. Compared in constant
/// time.
struct TokenMiddleware: RouterMiddleware {
    let token: String
    static let publicPaths: Set<String> = ["/api/v1/status", "/api/v1/openapi.json"]

    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/"), !Self.publicPaths.contains(path) else { return try await next(request, context) }
        guard let given = Self.presented(request), Self.equal(given, token) else { throw APIError.unauthorized() }
        return try await next(request, context)
    }

    static func presented(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        for cookie in request.headers[values: .cookie] {
            for pair in cookie.split(separator: ";") {
                let field = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if field.count == 2, field[0] == "mmsearch_token" { return field[1].removingPercentEncoding ?? field[1] }
            }
        }
        return nil
    }

    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
