import Foundation
import Hummingbird
import MMSearchKit

/// The web page's files and the API's description, compiled into the binary
/// (`WebAssetData`, written by Scripts/generate/web_assets.py from `Web/`), decoded once.
enum WebAssets {
    struct File: Sendable {
        let type: String
        let bytes: [UInt8]
        let tag: String
    }

    static let files: [String: File] = {
        var files: [String: File] = [:]
        for entry in WebAssetData.files {
            let text = entry.base64.filter { !$0.isWhitespace }
            let bytes = [UInt8](Data(base64Encoded: text) ?? Data())
            var digest = SHA256()
            digest.update(bytes)
            files[entry.name] = File(type: entry.type, bytes: bytes, tag: "\"\(digest.finalize().prefix(16))\"")
        }
        return files
    }()

    /// The files the page is made of, served at `/NAME` (`index.html` at `/`).
    static var pageFiles: [String] { files.keys.filter { $0 != "openapi.json" }.sorted() }

    static func response(for name: String) -> Response? {
        guard let file = files[name] else { return nil }
        return Response(status: .ok,
                        headers: [.contentType: file.type, .cacheControl: "no-cache", .eTag: file.tag],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
