import Foundation
import HTTPTypes
import Hummingbird
import MMMedia
import MMSearchKit

/// The handlers of `/api/v1`: thin, each parsing its request, calling the library on a
/// blocking thread, and encoding the library's answer.
struct Routes: Sendable {
    let service: SearchService
    let runs: IndexRuns
    let access: FileAccess
    let thumbnails: ThumbnailCache
    let version: String

    /// Adds every route to `router` (built in one place: `SearchServer.router`), noting each in
    /// `table` (a known path asked with another method is 405, not 404).
    func add(to router: Router<BasicRequestContext>, table: RouteTable) {
        func on(_ method: HTTPRequest.Method, _ path: String,
                _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) {
            router.on(RouterPath(stringLiteral: path), method: method, use: handler)
            table.add(method, path)
        }
        on(.get, "/api/v1/status") { _, _ in try status() }
        on(.get, "/api/v1/openapi.json") { _, _ in WebAssets.response(for: "openapi.json") ?? Response(status: .notFound) }
        on(.get, "/api/v1/search") { request, _ in try await search(try SearchRequest(query: parameters(request))) }
        on(.post, "/api/v1/search") { request, _ in try await search(try await searchRequest(from: request)) }
        on(.post, "/api/v1/embed") { request, _ in try await embed(request) }
        on(.get, "/api/v1/files/:id") { _, context in try await file(id: try id(context)) }
        on(.get, "/api/v1/files/:id/thumbnail") { request, context in try await thumbnail(request, id: try id(context)) }
        on(.get, "/api/v1/files/:id/content") { request, context in try await content(request, id: try id(context)) }
        on(.head, "/api/v1/files/:id/content") { request, context in try await content(request, id: try id(context)) }
        on(.get, "/api/v1/stats") { _, _ in try await stats() }
        on(.post, "/api/v1/label") { request, _ in try await label(request) }
        on(.post, "/api/v1/index") { _, _ in try startIndexing() }
        on(.get, "/api/v1/index/events") { _, _ in events() }
        for name in WebAssets.pageFiles {
            on(.get, name == "index.html" ? "/" : "/\(name)") { _, _ in WebAssets.response(for: name) ?? Response(status: .notFound) }
        }
    }

    // MARK: Status and statistics

    func status() throws -> Response {
        let (ready, pack, problem): (Bool, String?, String?) = switch service.current {
        case .loading: (false, nil, nil)
        case .ready(let engine): (true, engine.pack.name, nil)
        case .failed(let reason): (false, nil, reason)
        }
        return try JSONResponse.make(StatusDocument(
            ready: ready, pack: pack, problem: problem, auth: service.options.token != nil, version: version,
            index: .init(running: runs.isRunning, progress: runs.progress),
            roots: service.options.roots, watching: service.options.watch))
    }

    func stats() async throws -> Response {
        let engine = try service.engine()
        let document = try await blocking {
            let spaces = try engine.index.spaces()
            return StatsDocument(location: engine.index.location, spaces: spaces,
                                 counts: try spaces.map { try engine.index.store.counts(of: $0) })
        }
        return try JSONResponse.make(document)
    }

    // MARK: Search and embedding

    private func parameters(_ request: Request) throws -> QueryString {
        do {
            return try QueryString(request.uri.query ?? "")
        } catch let error as QueryString.Malformed {
            throw APIError.badRequest("\(error.parameter): malformed percent-encoding")
        }
    }

    /// A JSON query expression or a multipart upload, by the body's content type.
    private func searchRequest(from request: Request) async throws -> SearchRequest {
        switch try await Body.read(request, limit: service.options.uploadLimit) {
        case .json(let bytes): return try SearchRequest(json: try Body.decode(SearchRequest.Body.self, bytes))
        case .form(let form): return try SearchRequest(form: form)
        }
    }

    func search(_ search: SearchRequest) async throws -> Response {
        let engine = try service.engine()
        let reader = try service.reader()
        let options = search.options(threads: service.options.threadsPerRequest)
        if let text = search.plainText {
            // What `mmsearch query TEXT --json` runs and prints, in a batch with the plain-text
            // searches that arrive meanwhile (the same numbers as alone).
            let hits = try await service.batches.search(TextSearch(text, limit: search.top, options: options),
                                                        engine: engine, reader: reader)
            return try JSONResponse.make(QueryResultsDocument(expression: QueryExpression(.text(text)),
                                                              space: engine.pack.space, hits: hits))
        }
        let document = try await blocking { () throws -> QueryResultsDocument in
            let vectors = try search.terms.map { try vector(of: $0.term, engine: engine, reader: reader) }
            let combined = try QueryExpression.combine(vectors, weights: search.terms.map(\.weight))
            let hits = try engine.search(vector: combined, texts: search.positiveTexts, limit: search.top,
                                         options: options, in: reader)
            return QueryResultsDocument(query: search.queryPart, space: engine.pack.space, hits: hits)
        }
        return try JSONResponse.make(document)
    }

    private func vector(of term: SearchRequest.Term, engine: Engine, reader: IndexReader) throws -> [Float] {
        switch term {
        case .text(let text):
            return try engine.embed(.text(text)).vector
        case .id(let id):
            guard let vector = try reader.vector(ofFile: id) else { throw APIError.notFound("no indexed file has id \(id)") }
            return vector
        case .upload(let upload):
            return try embedded(upload, engine: engine).vector
        }
    }

    /// The embedding of an upload, its temporary file's path replaced by its name in errors.
    private func embedded(_ upload: Upload, engine: Engine) throws -> Embedding {
        try upload.withTemporaryFile { url in
            do {
                return try engine.embed(.file(url))
            } catch let error as MMSearchError {
                throw MMSearchError(error.kind, error.message.replacingOccurrences(of: url.path, with: upload.name),
                                    reason: error.reason)
            }
        }
    }

    func embed(_ request: Request) async throws -> Response {
        struct Text: Decodable { let text: String }
        let engine = try service.engine()
        let body = try await Body.read(request, limit: service.options.uploadLimit)
        let document = try await blocking { () throws -> EmbeddingDocument in
            switch body {
            case .json(let bytes):
                let text = try Body.decode(Text.self, bytes).text
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError.badRequest("text: empty") }
                return EmbeddingDocument(input: .text(text), embedding: try engine.embed(.text(text)))
            case .form(let form):
                guard let part = form.part(named: "file") else { throw APIError.badRequest("multipart: no part named \"file\"") }
                let upload = try Upload(part)
                return EmbeddingDocument(input: .init(kind: "upload", value: upload.name),
                                         embedding: try embedded(upload, engine: engine))
            }
        }
        return try JSONResponse.make(document)
    }

    func label(_ request: Request) async throws -> Response {
        struct Labelling: Decodable { let labels: [String]; let id: Int64 }
        let engine = try service.engine()
        let reader = try service.reader()
        let body = try await Body.read(request, limit: service.options.uploadLimit)
        let document = try await blocking { () throws -> LabelDocument in
            let names: [String]
            let vector: [Float]
            switch body {
            case .json(let bytes):
                let json = try Body.decode(Labelling.self, bytes)
                names = json.labels
                guard let stored = try reader.vector(ofFile: json.id) else { throw APIError.notFound("no indexed file has id \(json.id)") }
                vector = stored
            case .form(let form):
                guard let part = form.part(named: "file") else { throw APIError.badRequest("multipart: no part named \"file\"") }
                names = try ZeroShotClassifier.parseList(form.part(named: "labels")?.text ?? "")
                vector = try embedded(try Upload(part), engine: engine).vector
            }
            // Trimmed, and an empty or repeated label refused, as `mmsearch label` does
            // (`ZeroShotClassifier`).
            let labels = names
            guard labels.count >= 2 else { throw APIError.badRequest("labels: give at least two labels") }
            guard labels.count <= 1000 else { throw APIError.badRequest("labels: at most 1000 labels") }
            let classifier = try engine.classifier(labels: labels)
            return LabelDocument(labels: classifier.labels, temperature: classifier.temperature,
                                 results: classifier.classify(vector))
        }
        return try JSONResponse.make(document)
    }

    // MARK: Files

    private func id(_ context: BasicRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw APIError.notFound("file ids are positive whole numbers")
        }
        return id
    }

    func file(id: Int64) async throws -> Response {
        let reader = try service.reader()
        let details = try await blocking { try reader.file(id: id) }
        guard let details else { throw APIError.notFound("no indexed file has id \(id)") }
        return try JSONResponse.make(FileDocument(details))
    }

    func thumbnail(_ request: Request, id: Int64) async throws -> Response {
        let query = try parameters(request)
        var size = 256
        if let text = query.first("size") {
            guard let value = Int(text), (16...1024).contains(value) else {
                throw APIError.badRequest("size: a whole number of pixels from 16 to 1024, not \"\(text)\"")
            }
            size = value
        }
        let reader = try service.reader()
        let (access, thumbnails, side) = (self.access, self.thumbnails, size)
        let ifNoneMatch = request.headers[.ifNoneMatch]
        return try await blocking { () throws -> Response in
            let file = try access.open(id: id, reader: reader)
            defer { file.close() }
            guard file.details.record.modality == .image else {
                throw APIError.notFound("file \(id) is \(file.details.record.modality.rawValue), not an image: it has no thumbnail")
            }
            let tag = "\"\(file.version)-\(side)\""
            var headers: HTTPFields = [.cacheControl: "private, max-age=60", .eTag: tag]
            if ifNoneMatch == tag { return Response(status: .notModified, headers: headers) }
            let bytes: [UInt8]
            do {
                bytes = try thumbnails.jpeg(for: file, size: side)
            } catch let error as MediaError {
                throw APIError.undecodable("file \(id) cannot be decoded: \(error)")
            }
            headers[.contentType] = "image/jpeg"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    func content(_ request: Request, id: Int64) async throws -> Response {
        let reader = try service.reader()
        let access = self.access
        let file = try await blocking { try access.open(id: id, reader: reader) }
        let size = file.size
        var headers: HTTPFields = [
            .contentType: FileAccess.mediaType(file.details.record.path), .acceptRanges: "bytes",
            .cacheControl: "private, no-cache", .eTag: "\"\(file.version)\"",
            // The original is shown, never run: no script of a served file can reach the API.
            .contentSecurityPolicy: "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        let range: ClosedRange<Int64>
        var status = HTTPResponse.Status.ok
        switch ByteRange.parse(request.headers[.range], size: size) {
        case .whole:
            range = 0...(size - 1)
        case .part(let part):
            range = part
            status = .partialContent
            headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound)/\(size)"
        case .unsatisfiable:
            file.close()
            var error = APIError(status: .rangeNotSatisfiable, code: "range_not_satisfiable",
                                 message: "file \(id) has \(size) bytes: the range asked for lies outside them")
            error.headers = [.contentRange: "bytes */\(size)"]
            throw error
        }
        let length = size == 0 ? 0 : Int(range.upperBound - range.lowerBound + 1)
        if request.method == .head || length == 0 {
            file.close()
            headers[.contentLength] = String(length)
            return Response(status: status, headers: headers)
        }
        let descriptor = file.descriptor
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: length) { writer in
            defer { file.close() }
            var offset = range.lowerBound
            var left = length
            while left > 0 {
                let (at, wanted) = (offset, min(left, 256 << 10))
                let chunk = try await blocking { () throws -> [UInt8] in
                    var bytes = [UInt8](repeating: 0, count: wanted)
                    let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(at)) }
                    guard count > 0 else { throw APIError.internalError("file \(id) became shorter while it was sent") }
                    return Array(bytes.prefix(count))
                }
                try await writer.write(ByteBuffer(bytes: chunk))
                offset += Int64(chunk.count)
                left -= chunk.count
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Indexing

    func startIndexing() throws -> Response {
        _ = try service.engine()
        let roots = service.options.roots
        guard !roots.isEmpty else {
            throw APIError.badRequest("this server has no folders to index: start it with `mmsearch serve DIR…`")
        }
        guard runs.request(roots: roots, exclusive: true) else {
            throw APIError.conflict("an index run is already going: follow it at /api/v1/index/events")
        }
        struct Started: Encodable { let started: Bool; let roots: [String] }
        return try JSONResponse.make(Started(started: true, roots: roots), status: .accepted)
    }

    func events() -> Response {
        let stream = runs.subscribe()
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store",
                                   HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": mmsearch index events\n\n"))
            // The run's events and, every 15 s, a comment that keeps proxies from closing a
            // quiet stream, merged into one sequence of lines.
            let (lines, sink) = AsyncStream<String>.makeStream()
            let forward = Task {
                for await event in stream { sink.yield(EventText.format(event)) }
                sink.finish()
            }
            let beat = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(15))
                    sink.yield(": keep-alive\n\n")
                }
            }
            defer {
                forward.cancel()
                beat.cancel()
            }
            for await line in lines { try await writer.write(ByteBuffer(string: line)) }
            try await writer.finish(nil)
        })
    }
}

/// Server-Sent Events' lines for an index event.
enum EventText {
    static func format(_ event: IndexRuns.Event) -> String {
        struct Failed: Encodable { let path: String; let reason: String }
        struct Message: Encodable { let message: String }
        struct State: Encodable { let running: Bool; let progress: ProgressDocument? }
        let (name, json): (String, String?) = switch event {
        case .state(let running, let progress): ("state", try? JSONOutput.encode(State(running: running, progress: progress)))
        case .progress(let progress): ("progress", try? JSONOutput.encode(progress))
        case .failed(let path, let reason): ("failed", try? JSONOutput.encode(Failed(path: path, reason: reason)))
        case .done(let summary): ("done", try? JSONOutput.encode(summary))
        case .error(let message): ("error", try? JSONOutput.encode(Message(message: message)))
        }
        return "event: \(name)\ndata: \(json ?? "{}")\n\n"
    }
}

extension Routes {
    /// A request body the API reads: JSON, or a multipart form; anything else is 415.
    enum Body: Sendable {
        case json([UInt8])
        case form(MultipartForm)

        static func read(_ request: Request, limit: Int) async throws -> Body {
            let type = request.headers[.contentType] ?? ""
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: limit)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                throw APIError.payloadTooLarge(limit: limit)
            }
            let bytes = Array(buffer.readableBytesView)
            if type.lowercased().hasPrefix("application/json") { return .json(bytes) }
            if let boundary = MultipartForm.boundary(ofContentType: type) {
                do {
                    return .form(try MultipartForm(body: bytes, boundary: boundary))
                } catch let error as MultipartForm.Malformed {
                    throw APIError.badRequest(error.description)
                }
            }
            throw APIError.unsupportedMediaType("send application/json or multipart/form-data, not \(type.isEmpty ? "no Content-Type" : type)")
        }

        static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: Data(bytes))
            } catch let error as DecodingError {
                throw APIError.badRequest("malformed JSON: \(JSONProblem.describe(error))")
            }
        }
    }
}

/// The routes and their methods, for telling "no such route" (404) from "not with this method"
/// (405, with `Allow`).
final class RouteTable: Sendable {
    private let routes = Locked<[(method: HTTPRequest.Method, segments: [Substring])]>([])

    func add(_ method: HTTPRequest.Method, _ path: String) {
        routes.withLock { $0.append((method, path.split(separator: "/"))) }
    }

    /// The methods a route matching `path` answers; empty when none matches.
    func methods(for path: String) -> [String] {
        let asked = path.split(separator: "/")
        return routes.withLock { routes in
            routes.filter { route in
                route.segments.count == asked.count
                    && zip(route.segments, asked).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
            }.map(\.method.rawValue)
        }
    }
}
