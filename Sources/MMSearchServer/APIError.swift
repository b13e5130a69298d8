import Foundation
import Hummingbird
import MMSearchKit

/// An answer that is not a success: `{"error": {"code": CODE, "message": TEXT}}` with its
/// status. Every failure a route meets becomes one (`APIError.from`); nothing reaches the
/// client as a bare 500 page.
struct APIError: Error, HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String) -> APIError { .init(status: .badRequest, code: "bad_request", message: message) }
    static func notFound(_ message: String) -> APIError { .init(status: .notFound, code: "not_found", message: message) }
    static func forbidden(_ message: String) -> APIError { .init(status: .forbidden, code: "forbidden", message: message) }
    static func conflict(_ message: String) -> APIError { .init(status: .conflict, code: "conflict", message: message) }
    static func unsupportedMediaType(_ message: String) -> APIError {
        .init(status: .unsupportedMediaType, code: "unsupported_media_type", message: message)
    }
    static func payloadTooLarge(limit: Int) -> APIError {
        .init(status: .contentTooLarge, code: "payload_too_large",
              message: "the request body is larger than the limit of \(ByteCount.text(limit))")
    }
    static func unauthorized() -> APIError {
        .init(status: .unauthorized, code: "unauthorized",
              message: "this server needs a token: send `Authorization: Bearer TOKEN`",
              headers: [.wwwAuthenticate: "Bearer realm=\"mmsearch\""])
    }
    static func loading(_ message: String) -> APIError {
        .init(status: .serviceUnavailable, code: "loading", message: message, headers: [.retryAfter: "1"])
    }
    static func undecodable(_ message: String) -> APIError {
        .init(status: .unprocessableContent, code: "undecodable", message: message)
    }
    static func internalError(_ message: String) -> APIError {
        .init(status: .internalServerError, code: "internal", message: message)
    }

    /// The API error for anything a handler throws: the library's errors by kind (a usage
    /// error is a bad request, an unreadable input unprocessable; a missing index is "nothing
    /// here"),
    /// Hummingbird's by their status.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as MMSearchError:
            switch (error.kind, error.reason) {
            case (_, .indexMissing?): return .notFound(error.message)
            case (_, .indexLocked?): return .conflict(error.message)
            case (_, .unknownLabel?), (.usage, _): return .badRequest(error.message)
            // An input that cannot be read (an upload that is not a picture, a recording with
            // no audio): well-formed, but nothing to search by. `query --server` exits as the
            // local command does for it.
            case (.inputFailed, _): return .undecodable(error.message)
            default: return .internalError(error.message)
            }
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return .init(status: error.status, code: "payload_too_large", message: error.body ?? "request body too large")
            case .notFound: return .notFound(error.body ?? "no such route")
            case .methodNotAllowed: return .init(status: error.status, code: "method_not_allowed", message: error.body ?? "method not allowed")
            case .badRequest: return .badRequest(error.body ?? "bad request")
            default:
                return .init(status: error.status, code: error.status.code < 500 ? "bad_request" : "internal",
                             message: error.body ?? error.status.reasonPhrase)
            }
        case let error as any HTTPResponseError:
            // NIO's body limit (413) and the like.
            let status = error.status
            let code = status == .contentTooLarge ? "payload_too_large" : status.code < 500 ? "bad_request" : "internal"
            return .init(status: status, code: code, message: status.reasonPhrase)
        case let error as DecodingError:
            return .badRequest("malformed JSON: \(JSONProblem.describe(error))")
        default:
            return .internalError(String(describing: error))
        }
    }

    private struct Body: Encodable {
        struct Detail: Encodable { let code: String; let message: String }
        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse.make(Body(error: .init(code: code, message: message)), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// JSON responses in the one encoding every document uses (`JSONOutput`: sorted keys, one line).
enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let text = try JSONOutput.encode(value)
        return Response(status: status,
                        headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// What a `DecodingError` says, in a sentence naming the field.
enum JSONProblem {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the body" : keys.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing field \"\(key.stringValue)\""
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }
}

/// Byte counts as people read them (32 MiB).
enum ByteCount {
    static func text(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
