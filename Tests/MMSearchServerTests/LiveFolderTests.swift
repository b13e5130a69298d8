import Foundation
import MMSearchKit
import MMTestSupport
import Testing

/// `mmsearch serve DIR --watch`: files copied in are found, deleted ones are gone, a burst of
/// 200 is indexed once each, queries keep answering meanwhile, and SIGTERM leaves a sound index.
@Suite(.serialized)
struct LiveFolderTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")

    /// Paths the server's index holds, through the API.
    static func paths(_ server: RunningServer) throws -> [String] {
        let answer = try server.get("/api/v1/search?q=a+photo&top=1000")
        return (answer.json["results"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }

    static func wait(seconds: TimeInterval, until condition: () throws -> Bool) rethrows -> TimeInterval? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try condition() { return Date().timeIntervalSince(start) }
            usleep(100_000)
        }
        return nil
    }

    @Test func filesCopiedInAreFoundAndDeletedOnesAreGone() throws {
        let scratch = try ScratchDirectory("mmsearch-live")
        let root = scratch.path("photos")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("old"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.media.appendingPathComponent("bear.jpg"), to: root.appendingPathComponent("old/bear.jpg"))
        let server = try RunningServer([root.path, "--watch", "--index", scratch.path("index").path])
        // The pass at start indexes what was there.
        #expect(try Self.wait(seconds: 30) { try Self.paths(server).contains { $0.hasSuffix("/old/bear.jpg") } } != nil, "\(server.log)")

        let dog = root.appendingPathComponent("new/dog.jpg")
        try FileManager.default.createDirectory(at: dog.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.media.appendingPathComponent("dog-samoyeds.jpg"), to: dog)
        let found = try Self.wait(seconds: 10) {
            let results = try server.get("/api/v1/search?q=a+dog&top=1").json["results"] as? [[String: Any]]
            return results?.first?["path"] as? String == dog.path
        }
        #expect(found != nil, "the new photo was not found within 10 s")

        try FileManager.default.removeItem(at: dog)
        let gone = try Self.wait(seconds: 10) { try !Self.paths(server).contains(dog.path) }
        #expect(gone != nil, "the deleted photo was still found after 10 s")

        // A folder moved out takes its files with it.
        try FileManager.default.moveItem(at: root.appendingPathComponent("old"), to: scratch.path("moved-away"))
        #expect(try Self.wait(seconds: 10) { try Self.paths(server).isEmpty } != nil)
        #expect(server.stop() == 0)
    }

    /// The watcher skips the names an index run skips, and only those: with `--include-hidden`
    /// a photo in a hidden folder made after the start is found; an `--exclude`d folder's is not.
    @Test func theWatcherFollowsTheRunsRulesForHiddenAndExcludedNames() throws {
        let scratch = try ScratchDirectory("mmsearch-live-hidden")
        let root = scratch.path("photos")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let server = try RunningServer([root.path, "--watch", "--include-hidden", "--exclude", "drafts",
                                        "--index", scratch.path("index").path])
        #expect(try Self.wait(seconds: 30) { try server.get("/api/v1/status").json["ready"] as? Bool == true } != nil)
        let excluded = root.appendingPathComponent("drafts/cat.png")
        try FileManager.default.createDirectory(at: excluded.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.media.appendingPathComponent("cat-chelsea.png"), to: excluded)
        let hidden = root.appendingPathComponent(".later/dog.jpg")
        try FileManager.default.createDirectory(at: hidden.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.media.appendingPathComponent("dog-samoyeds.jpg"), to: hidden)
        let found = try Self.wait(seconds: 10) { try Self.paths(server).contains(hidden.path) }
        #expect(found != nil, "the photo in a hidden folder was not found within 10 s: \(server.log)")
        #expect(try !Self.paths(server).contains(excluded.path), "a photo in an excluded folder was indexed")
        #expect(server.stop() == 0)
    }

    @Test func twoHundredFilesAtOnceAreIndexedOnceEachWhileQueriesAnswer() throws {
        let scratch = try ScratchDirectory("mmsearch-burst")
        let root = scratch.path("photos")
        let staging = scratch.path("staging")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let photos = try FileManager.default.contentsOfDirectory(atPath: Self.media.path).filter { $0.hasSuffix(".jpg") }.sorted()
        for i in 0..<200 {
            let source = Self.media.appendingPathComponent(photos[i % photos.count])
            try FileManager.default.copyItem(at: source, to: staging.appendingPathComponent(String(format: "photo-%03d.jpg", i)))
        }
        let index = scratch.path("index")
        let server = try RunningServer([root.path, "--watch", "--index", index.path])

        // Queries from another thread for as long as the burst is indexed: none may fail.
        let failures = Locked<[String]>([])
        let answered = Locked(0)
        let stop = Locked(false)
        let port = server.port
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while !stop.withLock({ $0 }) {
                do {
                    let answer = try RawHTTP.send("GET", "/api/v1/search?q=a+tiger&top=5", port: port)
                    // Before the first file the index does not exist yet: 404 says so.
                    if answer.status != 200 && answer.errorCode != "not_found" {
                        failures.withLock { $0.append("\(answer.status) \(answer.text)") }
                    }
                    answered.withLock { $0 += 1 }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                usleep(20_000)
            }
            done.signal()
        }
        // All at once: one rename of the folder into the watched one.
        try FileManager.default.moveItem(at: staging, to: root.appendingPathComponent("burst"))
        let indexed = try Self.wait(seconds: 120) { try Self.paths(server).count == 200 }
        stop.withLock { $0 = true }
        done.wait()
        let paths = try Self.paths(server)
        #expect(indexed != nil, "not all 200 files were indexed: \(paths.count)")
        #expect(Set(paths).count == paths.count, "a file was indexed twice")
        let stats = try server.get("/api/v1/stats").json["spaces"] as? [[String: Any]]
        #expect(stats?.first?["files"] as? Int == 200)
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        #expect(answered.withLock { $0 } > 10)
        #expect(server.stop() == 0)
    }

    @Test func sigtermDuringAnIndexRunLeavesASoundIndex() throws {
        let scratch = try ScratchDirectory("mmsearch-stop")
        let root = scratch.path("photos")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let photos = try FileManager.default.contentsOfDirectory(atPath: Self.media.path).filter { $0.hasSuffix(".jpg") }.sorted()
        // Distinct content (a byte appended), so each is embedded, not reused.
        for i in 0..<120 {
            var bytes = try Data(contentsOf: Self.media.appendingPathComponent(photos[i % photos.count]))
            bytes.append(UInt8(i))
            try bytes.write(to: root.appendingPathComponent("p\(i).jpg"))
        }
        let index = scratch.path("index")
        let server = try RunningServer([root.path, "--watch", "--index", index.path])
        let running = try Self.wait(seconds: 30) {
            (try server.get("/api/v1/status").json["index"] as? [String: Any])?["running"] as? Bool == true
        }
        #expect(running != nil, "the run at start was not seen going")
        // One run at a time: another asked for meanwhile is refused.
        let second = try server.post("/api/v1/index", json: "")
        #expect(second.status == 409)
        #expect(second.errorCode == "conflict")
        #expect(server.stop() == 0, "\(server.log)")
        let check = try CommandLineTool.run(["check", "--index", index.path])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        // What was committed stays; the next run finishes the rest.
        let again = try CommandLineTool.run(["index", root.path, "--index", index.path])
        #expect(again.status == 0)
        #expect(again.stderr.contains("failed 0"))
    }

    @Test func sigtermEndsOpenEventStreamsAndExits() throws {
        let library = try ServedLibrary.library()
        let server = try RunningServer([library.root.path, "--index", library.index.path])
        let events = server.listenToEvents()
        let started = Date()
        #expect(server.stop(timeout: 10) == 0, "the server did not exit with an event stream open")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(events.received(within: 10)?.contains("event: state") == true)
    }
}
