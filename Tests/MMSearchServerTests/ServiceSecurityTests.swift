import Foundation
import MMTestSupport
import Testing

/// What the service lets out: files by id only, only indexed files inside the served folders
/// (symbolic links resolved), nothing after they are deleted; a token when one is set; uploads
/// decoded with indexing's limits.
@Suite(.serialized)
struct ServiceSecurityTests {
    @Test func pathTraversalNeverReachesAFile() throws {
        let library = try ServedLibrary.library()
        let server = try RunningServer([library.root.path, "--index", library.index.path])
        let targets = [
            "/api/v1/files/../../../../etc/passwd", "/api/v1/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/api/v1/files/1/../../../../../etc/passwd", "/api/v1/files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/content",
            "/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/files/..%2f..%2fetc%2fpasswd/content",
            "/api/v1/files/1%00/content", "/api/v1/files/9223372036854775807/content", "/api/v1/files/0/content",
            "//etc/passwd", "/api/v1/files//etc/passwd/content",
        ]
        for target in targets {
            let answer = try server.get(target)
            #expect(answer.status == 404 || answer.status == 400, "\(target): \(answer.status)")
            #expect(!answer.text.contains("root:"), "\(target) leaked a file")
        }
    }

    @Test func symbolicLinksThatLeaveAServedFolderAreRefused() throws {
        let scratch = try ScratchDirectory("mmsearch-links")
        let root = scratch.path("root"), outside = scratch.path("outside")
        let manager = FileManager.default
        try manager.createDirectory(at: root, withIntermediateDirectories: true)
        try manager.createDirectory(at: outside, withIntermediateDirectories: true)
        let media = TestPaths.repository.appendingPathComponent("Media")
        try manager.copyItem(at: media.appendingPathComponent("duck.jpg"), to: root.appendingPathComponent("duck.jpg"))
        try manager.copyItem(at: media.appendingPathComponent("zebra.jpg"), to: outside.appendingPathComponent("secret.jpg"))
        try manager.createSymbolicLink(atPath: root.appendingPathComponent("escape.jpg").path,
                                       withDestinationPath: outside.appendingPathComponent("secret.jpg").path)
        let index = scratch.path("index")
        #expect(try CommandLineTool.run(["index", root.path, "--index", index.path]).status == 0)
        let server = try RunningServer([root.path, "--index", index.path])
        let results = try server.get("/api/v1/search?q=an+animal&top=10").json["results"] as? [[String: Any]] ?? []
        let escape = try #require(results.first { ($0["path"] as? String)?.hasSuffix("escape.jpg") == true }?["id"] as? Int)
        let duck = try #require(results.first { ($0["path"] as? String)?.hasSuffix("duck.jpg") == true }?["id"] as? Int)
        for route in ["content", "thumbnail"] {
            let refused = try server.get("/api/v1/files/\(escape)/\(route)")
            #expect(refused.status == 403, "\(route): \(refused.text)")
            #expect(refused.errorCode == "forbidden")
            #expect(try server.get("/api/v1/files/\(duck)/\(route)").status == 200)
        }
        // Served from another folder than the one indexed: nothing of it is shown.
        let elsewhere = try RunningServer([outside.path, "--index", index.path])
        #expect(try elsewhere.get("/api/v1/files/\(duck)/content").status == 403)
    }

    @Test func aDeletedFileIsNotServed() throws {
        let scratch = try ScratchDirectory("mmsearch-deleted")
        let root = scratch.path("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let media = TestPaths.repository.appendingPathComponent("Media")
        for name in ["duck.jpg", "bear.jpg"] {
            try FileManager.default.copyItem(at: media.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
        let index = scratch.path("index")
        #expect(try CommandLineTool.run(["index", root.path, "--index", index.path]).status == 0)
        let server = try RunningServer([root.path, "--index", index.path])
        let results = try server.get("/api/v1/search?q=a+duck").json["results"] as? [[String: Any]] ?? []
        let duck = try #require(results.first { ($0["path"] as? String)?.hasSuffix("duck.jpg") == true }?["id"] as? Int)
        #expect(try server.get("/api/v1/files/\(duck)/thumbnail").status == 200)
        let thumbnails = index.appendingPathComponent("thumbnails/\(duck)")
        #expect(FileManager.default.fileExists(atPath: thumbnails.path))
        try FileManager.default.removeItem(at: root.appendingPathComponent("duck.jpg"))
        #expect(try server.get("/api/v1/files/\(duck)/content").status == 404)
        // Once indexed again the id is unknown: 404 everywhere.
        #expect(try server.post("/api/v1/index", json: "").status == 202)
        let deadline = Date().addingTimeInterval(30)
        while try server.get("/api/v1/files/\(duck)").status != 404, Date() < deadline { usleep(100_000) }
        for route in ["", "/content", "/thumbnail"] {
            #expect(try server.get("/api/v1/files/\(duck)\(route)").status == 404)
        }
        #expect(try server.post("/api/v1/search", json: #"{"terms": [{"id": \#(duck)}]}"#).status == 404)
        // Its thumbnails went with it, once the run ended.
        while FileManager.default.fileExists(atPath: thumbnails.path), Date() < deadline { usleep(100_000) }
        #expect(!FileManager.default.fileExists(atPath: thumbnails.path))
    }

    @Test func aTokenGuardsEveryAPIRequest() throws {
        let library = try ServedLibrary.library()
        let scratch = try ScratchDirectory("mmsearch-token")
        let token = "s3cret-token-\(UUID().uuidString)"
        let file = scratch.path("token")
        try Data((token + "\n").utf8).write(to: file)
        let server = try RunningServer([library.root.path, "--index", library.index.path, "--token-file", file.path])
        let missing = try server.get("/api/v1/search?q=dog")
        #expect(missing.status == 401)
        #expect(missing.errorCode == "unauthorized")
        #expect(missing.header("www-authenticate")?.hasPrefix("Bearer") == true)
        for route in ["/api/v1/stats", "/api/v1/files/1", "/api/v1/files/1/content", "/api/v1/index/events"] {
            #expect(try server.get(route).status == 401, "\(route)")
        }
        #expect(try server.post("/api/v1/index", json: "").status == 401)
        #expect(try server.get("/api/v1/search?q=dog", headers: ["Authorization": "Bearer wrong-\(token)"]).status == 401)
        #expect(try server.get("/api/v1/search?q=dog", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        #expect(try server.get("/api/v1/search?q=dog", headers: ["Cookie": "theme=dark; mmsearch_token=\(token)"]).status == 200)
        // What the page needs before it has the token.
        let status = try server.get("/api/v1/status")
        #expect(status.status == 200)
        #expect(status.json["auth"] as? Bool == true)
        #expect(try server.get("/").status == 200)
        #expect(try server.get("/api/v1/openapi.json").status == 200)

        // The command line sends MMSEARCH_TOKEN.
        let query = try CommandLineTool.run(["query", "a dog", "--server", server.url, "-f"], environment: ["MMSEARCH_TOKEN": token])
        #expect(query.status == 0, "\(query.stderr)")
        let refused = try CommandLineTool.run(["query", "a dog", "--server", server.url], environment: ["MMSEARCH_TOKEN": ""])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("token"))
    }

    @Test func anotherAddressNeedsAToken() throws {
        let library = try ServedLibrary.library()
        let open = try CommandLineTool.run(["serve", "--host", "0.0.0.0", "--port", "0", "--index", library.index.path],
                                           environment: ["MMSEARCH_TOKEN": ""])
        #expect(open.status == 2)
        #expect(open.stderr.contains("token"))
        let short = try CommandLineTool.run(["serve", "--host", "0.0.0.0", "--port", "0", "--index", library.index.path],
                                            environment: ["MMSEARCH_TOKEN": "short"])
        #expect(short.status == 2)
    }

    @Test func hostileUploadsAreRefusedAndTheServerGoesOn() throws {
        let library = try ServedLibrary.library()
        let server = try RunningServer([library.root.path, "--index", library.index.path])
        let bad = TestPaths.fixture("media/bad")
        for name in try FileManager.default.contentsOfDirectory(atPath: bad.path).sorted() {
            let bytes = [UInt8]((try? Data(contentsOf: bad.appendingPathComponent(name))) ?? Data())
            guard !bytes.isEmpty else { continue }
            let answer = try server.post("/api/v1/search", files: [("file", name, bytes)])
            // Well-formed requests with an input no decoder reads: 422, naming the upload.
            #expect(answer.status == 422 && answer.errorCode == "undecodable", "\(name): \(answer.status) \(answer.text)")
            #expect(answer.text.contains(name))
        }
        #expect(try server.get("/api/v1/search?q=a+dog").status == 200)
        #expect(server.stop() == 0)
    }
}
