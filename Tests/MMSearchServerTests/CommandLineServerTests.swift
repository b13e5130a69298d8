import Foundation
import MMTestSupport
import Testing

/// `mmsearch query … --server URL` prints exactly what the local command prints.
@Suite(.serialized)
struct CommandLineServerTests {
    @Test func queriesThroughTheServerPrintWhatLocalQueriesPrint() throws {
        let library = try ServedLibrary.library()
        let server = try RunningServer([library.root.path, "--index", library.index.path])
        let cat = library.root.appendingPathComponent("cat-chelsea.png").path
        let queries: [[String]] = [
            ["a dog"], ["a dog", "--json"], ["a dog", "-f"], ["a dog", "-t", "3", "--modality", "image"],
            [cat], [cat, "--json", "-t", "4"], ["a dog", "+", "in the snow", "-", cat],
            ["2:a beach", "--subtract", "0.5:people", "--json"], ["kitchen", "--all-chunks", "--modality", "text"],
            ["weather", "--hybrid", "--json"], ["an animal", "--min-score", "0.3", "--in", library.root.path],
            ["a dog", "--sort", "-date", "--after", "2001-02"], ["a cat", "--sort=date", "--json", "--before", "2100-01-01T10:00"],
            ["an animal", "--camera", "canon"], ["a bird", "--near", "48.85,2.35:20km", "--json"],
        ]
        for query in queries {
            let local = try CommandLineTool.run(["query"] + query + ["--index", library.index.path])
            let remote = try CommandLineTool.run(["query"] + query + ["--server", server.url])
            #expect(local.status == 0, "\(query): \(local.stderr)")
            #expect(remote.status == local.status, "\(query): \(remote.stderr)")
            #expect(remote.stdout == local.stdout, "\(query)")
        }
        let unreachable = try CommandLineTool.run(["query", "a dog", "--server", "http://127.0.0.1:1"])
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("cannot reach"))
        // Failures exit as they do locally: a usage error (an unknown label), and a query file
        // that cannot be read (not a picture), which names the file.
        let scratch = try ScratchDirectory("mmsearch-server-cli")
        let fake = scratch.path("fake.jpg")
        try Data("not a jpeg at all".utf8).write(to: fake)
        for query in [["a dog", "--label", "nosuchlabel"], [fake.path]] {
            let local = try CommandLineTool.run(["query"] + query + ["--index", library.index.path])
            let remote = try CommandLineTool.run(["query"] + query + ["--server", server.url])
            #expect(local.status != 0 && remote.status == local.status, "\(query): local \(local.status) \(local.stderr), server \(remote.status) \(remote.stderr)")
        }
        let unreadable = try CommandLineTool.run(["query", fake.path, "--server", server.url])
        #expect(unreadable.stderr.contains("fake.jpg"), "\(unreadable.stderr)")
    }
}
