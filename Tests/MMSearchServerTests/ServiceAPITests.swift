import Foundation
import MMMedia
import MMSearchKit
import MMTestSupport
import Testing

/// Every route of `/api/v1` on a real server over an index of `Media/` (and a few notes and a
/// recording): the documents, the status codes and the error bodies.
@Suite(.serialized)
struct ServiceAPITests {
    let library: ServedLibrary.Library
    let server: RunningServer

    init() throws {
        library = try ServedLibrary.library()
        server = try RunningServer([library.root.path, "--index", library.index.path])
    }

    /// The id of the file with this name, found through the API's own search.
    func id(of name: String) throws -> Int {
        let answer = try server.get("/api/v1/search?q=\(name)&top=1000")
        let results = answer.json["results"] as? [[String: Any]] ?? []
        let hit = try #require(results.first { ($0["path"] as? String)?.hasSuffix("/" + name) == true }, "\(name) not found")
        return try #require(hit["id"] as? Int)
    }

    @Test func searchAnswersExactlyWhatTheCommandLinePrints() throws {
        let queries: [(String, [String])] = [
            ("a dog", []), ("a cat", []), ("something to eat", []), ("a vehicle on the road", []),
            ("mountains and snow", []), ("an insect on a flower", []), ("weather tomorrow", []),
            ("a big cat", ["top=3"]), ("a bird", ["modality=image", "top=5"]),
            ("an animal", ["min_score=0.3"]), ("safari", ["hybrid=1"]), ("kitchen", ["modality=text", "all_chunks=1"]),
            ("a dog", ["cutoff=auto"]), ("a vehicle on the road", ["cutoff=auto", "top=20"]),
            ("a dog", ["sort=-date", "after=2001-02"]), ("a cat", ["sort=date", "before=2100"]),
            ("an animal", ["camera=canon"]), ("a bird", ["near=48.85,2.35:20km"]),
        ]
        var expected: [(target: String, text: String)] = []
        for (query, parameters) in queries {
            var arguments = ["query", query, "--index", library.index.path, "--json"]
            var top = "10"
            for parameter in parameters {
                let pair = parameter.split(separator: "=").map(String.init)
                switch pair[0] {
                case "top": top = pair[1]
                case "modality": arguments += ["--modality", pair[1]]
                case "min_score": arguments += ["--min-score", pair[1]]
                case "hybrid": arguments += ["--hybrid"]
                case "all_chunks": arguments += ["--all-chunks"]
                case "sort", "after", "before", "camera", "near", "cutoff": arguments += ["--" + pair[0], pair[1]]
                default: Issue.record("unknown parameter \(parameter)")
                }
            }
            arguments += ["-t", top]
            let local = try CommandLineTool.run(arguments)
            #expect(local.status == 0, "\(local.stderr)")
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let answer = try server.get("/api/v1/search?q=\(encoded)&" + (parameters + ["top=\(top)"]).joined(separator: "&"))
            #expect(answer.status == 200)
            #expect(answer.header("content-type")?.hasPrefix("application/json") == true)
            #expect(answer.text == local.stdout.trimmingCharacters(in: .newlines), "\(query) \(parameters)")
            expected.append(("/api/v1/search?q=\(encoded)&" + (parameters + ["top=\(top)"]).joined(separator: "&"),
                             local.stdout.trimmingCharacters(in: .newlines)))
        }
        // All at once, three times over: searches that arrive together run in batches (one
        // pass of the text encoder, one scan), and each must still get exactly its own answer.
        let concurrent = Locked<[String]>([])
        let pairs = expected
        DispatchQueue.concurrentPerform(iterations: 3 * pairs.count) { i in
            let (target, text) = pairs[i % pairs.count]
            let answer = Result { try server.get(target) }
            if (try? answer.get().text) != text { concurrent.withLock { $0.append(target) } }
        }
        #expect(concurrent.withLock { $0 }.isEmpty, "answers that differ when sent together: \(concurrent.withLock { $0 })")
        // A browser's form encoding: '+' is a space.
        #expect(try server.get("/api/v1/search?q=a+dog").text == server.get("/api/v1/search?q=a%20dog").text)
    }

    @Test func moreLikeThisAndUploadsFindTheFileItself() throws {
        let cat = try id(of: "cat-chelsea.png")
        let byID = try server.post("/api/v1/search", json: #"{"terms": [{"id": \#(cat)}], "top": 3}"#)
        #expect(byID.status == 200)
        let first = (byID.json["results"] as? [[String: Any]])?.first
        #expect(first?["id"] as? Int == cat)
        #expect((byID.json["query"] as? [String: Any])?["kind"] as? String == "id")

        let bytes = [UInt8](try Data(contentsOf: library.root.appendingPathComponent("cat-chelsea.png")))
        let upload = try server.post("/api/v1/search", fields: [("top", "2")], files: [("file", "mine.png", bytes)])
        #expect(upload.status == 200, "\(upload.text)")
        #expect(((upload.json["results"] as? [[String: Any]])?.first?["path"] as? String)?.hasSuffix("cat-chelsea.png") == true)
        #expect((upload.json["query"] as? [String: Any])?["value"] as? String == "mine.png")
        // The upload is not kept: no file of that name appears anywhere in the index.
        #expect(try server.get("/api/v1/search?q=mine&hybrid=1&top=1000").text.contains("mine.png") == false)

        // Terms with weights: the cat minus "a cat" is a query of its own, not an error.
        let combined = try server.post("/api/v1/search", json: #"{"terms": [{"id": \#(cat)}, {"text": "a cat", "weight": -1}]}"#)
        #expect(combined.status == 200)
        #expect(((combined.json["query"] as? [String: Any])?["terms"] as? [Any])?.count == 2)
    }

    @Test func embedGivesTheCommandLinesVector() throws {
        let answer = try server.post("/api/v1/embed", json: #"{"text": "a dog on a beach"}"#)
        let local = try CommandLineTool.run(["embed", "a dog on a beach", "--json", "--model", "lite"])
        #expect(answer.status == 200)
        #expect(answer.text == local.stdout.trimmingCharacters(in: .newlines))
        let bytes = [UInt8](try Data(contentsOf: library.root.appendingPathComponent("duck.jpg")))
        let image = try server.post("/api/v1/embed", files: [("file", "duck.jpg", bytes)])
        #expect(image.status == 200)
        #expect((image.json["vector"] as? [Double])?.count == 384)
        #expect(image.json["modality"] as? String == "image")
    }

    @Test func fileDocumentsThumbnailsAndContent() throws {
        let dog = try id(of: "dog-samoyeds.jpg")
        let file = try server.get("/api/v1/files/\(dog)")
        #expect(file.status == 200)
        #expect(file.json["name"] as? String == "dog-samoyeds.jpg")
        #expect(file.json["modality"] as? String == "image")
        #expect(file.json["thumbnail"] as? String == "/api/v1/files/\(dog)/thumbnail")

        for size in [64, 256] {
            let thumbnail = try server.get("/api/v1/files/\(dog)/thumbnail?size=\(size)")
            #expect(thumbnail.status == 200)
            #expect(thumbnail.header("content-type") == "image/jpeg")
            let image = try ImageDecoder.decode(bytes: thumbnail.body, name: "thumbnail")
            #expect(max(image.width, image.height) == size)
            #expect(min(image.width, image.height) > 0)
            // Asked again with its tag: not sent again.
            let tag = try #require(thumbnail.header("etag"))
            #expect(try server.get("/api/v1/files/\(dog)/thumbnail?size=\(size)", headers: ["If-None-Match": tag]).status == 304)
        }
        // Cached beside the index.
        let cached = library.index.appendingPathComponent("thumbnails/\(dog)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: cached.path)) ?? []).count == 2)

        let original = [UInt8](try Data(contentsOf: library.root.appendingPathComponent("dog-samoyeds.jpg")))
        let whole = try server.get("/api/v1/files/\(dog)/content")
        #expect(whole.status == 200)
        #expect(whole.body == original)
        #expect(whole.header("accept-ranges") == "bytes")
        let part = try server.get("/api/v1/files/\(dog)/content", headers: ["Range": "bytes=100-199"])
        #expect(part.status == 206)
        #expect(part.body == Array(original[100...199]))
        #expect(part.header("content-range") == "bytes 100-199/\(original.count)")
        let tail = try server.get("/api/v1/files/\(dog)/content", headers: ["Range": "bytes=-10"])
        #expect(tail.body == Array(original.suffix(10)))
        let outside = try server.get("/api/v1/files/\(dog)/content", headers: ["Range": "bytes=\(original.count)-"])
        #expect(outside.status == 416)
        #expect(outside.errorCode == "range_not_satisfiable")

        // A recording: its parts carry times, it plays from a range; it has no thumbnail.
        let weather = try id(of: "weather.wav")
        let recording = try server.get("/api/v1/files/\(weather)")
        #expect(recording.json["modality"] as? String == "audio")
        #expect(recording.json["thumbnail"] is NSNull || recording.json["thumbnail"] == nil)
        let parts = recording.json["parts"] as? [[String: Any]] ?? []
        #expect(!parts.isEmpty && parts.allSatisfy { $0["time"] != nil && $0["snippet"] != nil })
        #expect(try server.get("/api/v1/files/\(weather)/content").header("content-type") == "audio/wav")
        #expect(try server.get("/api/v1/files/\(weather)/thumbnail").status == 404)
        // A text file's chunks carry byte spans and their text.
        let note = try id(of: "kitchen-notes.txt")
        let chunks = try server.get("/api/v1/files/\(note)").json["parts"] as? [[String: Any]] ?? []
        #expect(!chunks.isEmpty && chunks.allSatisfy { $0["bytes"] != nil && $0["snippet"] != nil })
    }

    @Test func statsLabelStatusAndTheAPIDescription() throws {
        let stats = try server.get("/api/v1/stats")
        let space = try #require((stats.json["spaces"] as? [[String: Any]])?.first)
        #expect(space["name"] as? String == "lite")
        #expect((space["modalities"] as? [String: Int])?["image"] == 34)
        #expect((space["modalities"] as? [String: Int])?["text"] == 3)
        // Every file is dated: by its date taken, or by its modification time.
        let dates = try #require(space["dates"] as? [String: Any])
        #expect((dates["taken"] as? Int ?? -1) + (dates["modified"] as? Int ?? -1) == space["files"] as? Int)
        #expect((dates["earliest"] as? [String: Any])?["value"] is String)

        let dog = try id(of: "dog-samoyeds.jpg")
        let label = try server.post("/api/v1/label", json: #"{"labels": ["a dog", "a car", "a cake"], "id": \#(dog)}"#)
        #expect(label.status == 200, "\(label.text)")
        #expect((label.json["results"] as? [[String: Any]])?.first?["label"] as? String == "a dog")
        // An empty or repeated label is refused, as `mmsearch label` refuses it.
        for labels in [#"["a dog", " ", "a cake"]"#, #"["a dog", "a cake", " a dog"]"#] {
            let refused = try server.post("/api/v1/label", json: #"{"labels": \#(labels), "id": \#(dog)}"#)
            #expect(refused.status == 400, "\(labels): \(refused.text)")
            let message = (refused.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("empty") || message.contains("twice"), "\(labels): \(message)")
        }

        let status = try server.get("/api/v1/status")
        #expect(status.json["ready"] as? Bool == true)
        #expect(status.json["pack"] as? String == "lite")
        #expect(status.json["auth"] as? Bool == false)

        // The committed description names every route the server answers.
        let description = try server.get("/api/v1/openapi.json")
        #expect(description.status == 200)
        #expect(description.json["openapi"] as? String == "3.1.0")
        let paths = Set((description.json["paths"] as? [String: Any] ?? [:]).keys)
        for route in ["/search", "/embed", "/files/{id}", "/files/{id}/thumbnail", "/files/{id}/content", "/stats",
                      "/label", "/index", "/index/events", "/status"] {
            #expect(paths.contains(route) || paths.contains("/api/v1" + route), "openapi.json lacks \(route)")
        }
        // The page is served from the binary.
        let page = try server.get("/")
        #expect(page.status == 200)
        #expect(page.header("content-type")?.hasPrefix("text/html") == true)
        #expect(page.header("content-security-policy")?.contains("default-src 'self'") == true)
    }

    @Test func badRequestsAreJSONErrorsWithTheirStatus() throws {
        let cases: [(String, Int, String)] = [
            ("/api/v1/search", 400, "bad_request"),
            ("/api/v1/search?q=", 400, "bad_request"),
            ("/api/v1/search?q=dog&top=0", 400, "bad_request"),
            ("/api/v1/search?q=dog&top=many", 400, "bad_request"),
            ("/api/v1/search?q=dog&min_score=nan", 400, "bad_request"),
            ("/api/v1/search?q=dog&cutoff=soon", 400, "bad_request"),
            ("/api/v1/search?q=dog&cutoff=0.4&min_score=0.3", 400, "bad_request"),
            ("/api/v1/search?q=dog&in=relative/folder", 400, "bad_request"),
            ("/api/v1/search?q=dog&label=nosuchlabel", 400, "bad_request"),
            ("/api/v1/search?q=dog&after=2024-13", 400, "bad_request"),
            ("/api/v1/search?q=dog&after=2025&before=2024", 400, "bad_request"),
            ("/api/v1/search?q=dog&near=91,0", 400, "bad_request"),
            ("/api/v1/search?q=dog&sort=size", 400, "bad_request"),
            ("/api/v1/search?q=%E0%A4%A", 400, "bad_request"),
            ("/api/v1/files/123456", 404, "not_found"),
            ("/api/v1/files/-1", 404, "not_found"),
            ("/api/v1/files/abc/content", 404, "not_found"),
            ("/api/v1/nothing-here", 404, "not_found"),
            ("/api/v1/files/1/thumbnail?size=5000", 400, "bad_request"),
        ]
        for (target, status, code) in cases {
            let answer = try server.get(target)
            #expect(answer.status == status, "\(target): \(answer.status) \(answer.text)")
            #expect(answer.errorCode == code, "\(target): \(answer.text)")
            #expect((answer.json["error"] as? [String: Any])?["message"] is String)
        }
        let bodies: [(String, Int)] = [("{", 400), (#"{"terms": []}"#, 400), (#"{"terms": [{"text": "a", "id": 3}]}"#, 400),
                                       (#"{"terms": [{"id": 99999}]}"#, 404), (#"{"terms": [{"text": "dog", "weight": 0}]}"#, 400),
                                       ("[1, 2]", 400), (#"{"terms": [{"text": 5}]}"#, 400)]
        for (body, status) in bodies {
            let answer = try server.post("/api/v1/search", json: body)
            #expect(answer.status == status, "\(body): \(answer.text)")
            #expect(answer.errorCode != nil)
        }
        // Malformed multipart, a missing file part, an upload that is not an image, no content type.
        let garbage = try RawHTTP.send("POST", "/api/v1/search", port: server.port,
                                       headers: ["Content-Type": "multipart/form-data; boundary=xyz"], body: Array("--xyz\r\nbroken".utf8))
        #expect(garbage.status == 400)
        #expect(try server.post("/api/v1/search", fields: [("top", "3")], files: []).status == 400)
        let notImage = try server.post("/api/v1/search", files: [("file", "fake.jpg", Array("not a jpeg at all".utf8))])
        #expect(notImage.status == 422 && notImage.errorCode == "undecodable", "\(notImage.text)")
        #expect(notImage.text.contains("fake.jpg") && !notImage.text.contains("/tmp"), "\(notImage.text)")
        let untyped = try RawHTTP.send("POST", "/api/v1/search", port: server.port, body: Array("q=dog".utf8))
        #expect(untyped.status == 415)
        #expect(untyped.errorCode == "unsupported_media_type")
    }

    @Test func uploadsOverTheLimitAre413() throws {
        let small = try RunningServer([library.root.path, "--index", library.index.path, "--max-upload", "1"])
        let big = [UInt8](repeating: 0xFF, count: (1 << 20) + 10)
        let answer = try small.post("/api/v1/search", files: [("file", "big.jpg", big)])
        #expect(answer.status == 413)
        #expect(answer.errorCode == "payload_too_large")
        #expect(small.stop() == 0)
    }

    @Test func anIndexRunIsFollowedThroughServerSentEvents() throws {
        let events = server.listenToEvents()
        let started = try server.post("/api/v1/index", json: "")
        #expect(started.status == 202)
        #expect(started.json["roots"] as? [String] == [library.root.path])
        let deadline = Date().addingTimeInterval(60)
        while (try server.get("/api/v1/status").json["index"] as? [String: Any])?["running"] as? Bool == true, Date() < deadline {
            usleep(100_000)
        }
        #expect(server.stop() == 0)
        let raw = try #require(events.received(within: 10), "the event stream stayed open")
        #expect(raw.contains("text/event-stream"))
        for event in ["event: state", "event: progress", "event: done"] { #expect(raw.contains(event), "\(event) missing: \(raw)") }
        // The run found every file unchanged: its summary says so.
        #expect(raw.contains("\"unchanged\":38"), "\(raw)")
    }
}
