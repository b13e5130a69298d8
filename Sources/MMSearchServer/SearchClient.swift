import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MMSearchKit

/// Sends queries to a running `mmsearch serve` (`mmsearch query … --server URL`): the same
/// search as a local one, answered by the server's warm engine. Text terms travel as text,
/// file terms as uploads (read here, never saved there); the answer is the document `query
/// --json` prints.
public struct SearchClient: Sendable {
    public let server: URL
    public let token: String?

    public init(server: URL, token: String?) {
        self.server = server
        self.token = token
    }

    /// The server's answer to `expression` with `limit` results through `options`' filters
    /// (folders absolute). Errors name the server and say what it answered.
    public func search(_ expression: QueryExpression, limit: Int, options: SearchOptions) throws -> QueryResultsDocument {
        var fields: [(String, String)] = [("top", String(limit))]
        for modality in (options.modalities ?? []).sorted(by: { $0.rawValue < $1.rawValue }) { fields.append(("modality", modality.rawValue)) }
        for folder in options.directories ?? [] { fields.append(("in", folder)) }
        for label in options.labels ?? [] { fields.append(("label", label)) }
        if let minimum = options.minimumScore { fields.append(("min_score", String(minimum))) }
        if options.cutoff != nil { fields.append(("cutoff", "auto")) }
        if options.hybrid { fields.append(("hybrid", "1")) }
        if options.allChunks { fields.append(("all_chunks", "1")) }
        if let after = options.dates?.after { fields.append(("after", WallClock.iso8601(after))) }
        if let before = options.dates?.before { fields.append(("before", WallClock.iso8601(before))) }
        if let camera = options.camera { fields.append(("camera", camera)) }
        if let near = options.near { fields.append(("near", near.description)) }
        if options.order != .score { fields.append(("sort", options.order.rawValue)) }

        var request: URLRequest
        if expression.isSingle, case .text(let text) = expression.main {
            var components = URLComponents(url: endpoint("search"), resolvingAgainstBaseURL: false)!
            components.percentEncodedQuery = ([("q", text)] + fields)
                .map { "\(Self.formEncoded($0.0))=\(Self.formEncoded($0.1))" }.joined(separator: "&")
            request = URLRequest(url: components.url!)
        } else {
            var form = MultipartBody()
            var terms: [[String: Any]] = []
            var uploads = 0
            for term in expression.terms {
                switch term.query {
                case .text(let text):
                    terms.append(["text": text, "weight": term.weight])
                case .file(let url):
                    guard let data = FileManager.default.contents(atPath: url.path) else {
                        throw MMSearchError(.usage, "\(url.path): cannot be read")
                    }
                    form.add(file: [UInt8](data), name: "file", filename: url.lastPathComponent)
                    terms.append(["upload": uploads, "weight": term.weight])
                    uploads += 1
                }
            }
            let json = try JSONSerialization.data(withJSONObject: terms)
            form.add(field: "terms", value: String(decoding: json, as: UTF8.self))
            for (name, value) in fields { form.add(field: name, value: value) }
            request = URLRequest(url: endpoint("search"))
            request.httpMethod = "POST"
            request.setValue(form.contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(form.finished())
        }
        let data = try send(request)
        do {
            return try JSONDecoder().decode(QueryResultsDocument.self, from: data)
        } catch {
            throw MMSearchError(.fatal, "server \(server.absoluteString) answered with something that is not a search result")
        }
    }

    private func endpoint(_ path: String) -> URL {
        server.appendingPathComponent("api/v1").appendingPathComponent(path)
    }

    /// Form encoding: unreserved characters as they are, everything else percent-encoded.
    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func send(_ request: URLRequest) throws -> Data {
        var request = request
        request.timeoutInterval = 120
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let outcome = Locked<Result<(Data, Int), Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome.withLock {
                if let error {
                    $0 = .failure(error)
                } else {
                    $0 = .success((data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
                }
            }
            done.signal()
        }.resume()
        done.wait()
        let (data, status): (Data, Int)
        switch outcome.withLock({ $0 })! {
        case .failure(let error):
            throw MMSearchError(.fatal, "cannot reach the server at \(server.absoluteString): \(error.localizedDescription)")
        case .success(let answer):
            (data, status) = answer
        }
        guard status == 200 else {
            struct Failure: Decodable { struct Detail: Decodable { let code: String; let message: String }; let error: Detail }
            let message = (try? JSONDecoder().decode(Failure.self, from: data))?.error.message ?? "HTTP status \(status)"
            switch status {
            case 400: throw MMSearchError(.usage, message)
            case 422: throw MMSearchError(.inputFailed, message)
            case 401: throw MMSearchError(.fatal, "\(server.absoluteString): \(message) (set MMSEARCH_TOKEN)")
            default: throw MMSearchError(.fatal, "\(server.absoluteString): \(message)")
            }
        }
        return data
    }
}

/// A `multipart/form-data` body being written.
struct MultipartBody {
    let boundary = "mmsearch-" + UUID().uuidString
    private var bytes: [UInt8] = []

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func add(field name: String, value: String) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func add(file data: [UInt8], name: String, filename: String) {
        let escaped = filename.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(escaped)\"\r\n"
                       .utf8)
        bytes += Array("Content-Type: application/octet-stream\r\n\r\n".utf8)
        bytes += data
        bytes += Array("\r\n".utf8)
    }

    func finished() -> [UInt8] {
        bytes + Array("--\(boundary)--\r\n".utf8)
    }
}
