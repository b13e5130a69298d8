import Foundation
import MMTestSupport
import MMSearchKit
import Testing

/// `mmsearch serve --store postgres://…`: the service over a PostgreSQL store (one server and
/// a sharded one) answers what the command line prints on that store, also for searches sent
/// together, and serves files, thumbnails and statistics.
@Suite(.serialized)
struct PostgresServiceTests {
    /// The served library indexed into each PostgreSQL store.
    static let stores: Result<[TestStore: String], Error> = Result {
        let library = try ServedLibrary.library()
        var locations: [TestStore: String] = [:]
        for store in TestStore.servers {
            let location = try store.newLocation(folder: library.root)
            let run = try CommandLineTool.run(["index", library.root.path, "--store", location])
            guard run.status == 0 else { throw SetupError("indexing into \(store) failed: \(run.stderr)") }
            locations[store] = location
        }
        return locations
    }

    @Test(arguments: TestStore.servers) func theServiceAnswersWhatTheCommandLinePrints(store: TestStore) throws {
        let library = try ServedLibrary.library()
        let location = try #require(try Self.stores.get()[store])
        let server = try RunningServer([library.root.path, "--store", location])
        var expected: [(target: String, text: String)] = []
        for (query, parameters) in [("a dog", [String]()), ("something to eat", []), ("weather tomorrow", []),
                                    ("safari", ["hybrid=1"]), ("kitchen", ["modality=text", "all_chunks=1"])] {
            var arguments = ["query", query, "--store", location, "--json", "-t", "10"]
            if parameters.contains("hybrid=1") { arguments.append("--hybrid") }
            if parameters.contains("modality=text") { arguments += ["--modality", "text"] }
            if parameters.contains("all_chunks=1") { arguments.append("--all-chunks") }
            let local = try CommandLineTool.run(arguments)
            #expect(local.status == 0, "\(local.stderr)")
            let target = "/api/v1/search?q=\(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&"
                + (parameters + ["top=10"]).joined(separator: "&")
            let answer = try server.get(target)
            #expect(answer.status == 200)
            #expect(answer.text == local.stdout.trimmingCharacters(in: .newlines), "\(query) \(parameters)")
            expected.append((target, local.stdout.trimmingCharacters(in: .newlines)))
        }
        let differing = Locked<[String]>([])
        let pairs = expected
        DispatchQueue.concurrentPerform(iterations: 3 * pairs.count) { i in
            let (target, text) = pairs[i % pairs.count]
            if (try? server.get(target).text) != text { differing.withLock { $0.append(target) } }
        }
        #expect(differing.withLock { $0 }.isEmpty, "\(differing.withLock { $0 })")

        let results = try server.get("/api/v1/search?q=a+dog&top=1").json["results"] as? [[String: Any]] ?? []
        let dog = try #require(results.first?["id"] as? Int)
        let file = try server.get("/api/v1/files/\(dog)")
        #expect(file.status == 200 && file.json["name"] as? String == "dog-samoyeds.jpg")
        let thumbnail = try server.get("/api/v1/files/\(dog)/thumbnail?size=64")
        #expect(thumbnail.status == 200 && thumbnail.header("content-type") == "image/jpeg")
        let space = try #require((try server.get("/api/v1/stats").json["spaces"] as? [[String: Any]])?.first)
        #expect((space["modalities"] as? [String: Int])?["image"] == 34)
    }
}
