import Foundation
import MMTestSupport
import Testing

/// The thumbnail cache beside the index stays within `--thumbnail-cache`: past it, the
/// thumbnails least recently made or shown go, and every request is still answered.
@Suite(.serialized)
struct ThumbnailCacheTests {
    @Test func theCacheStaysWithinItsLimitAndKeepsTheLatest() throws {
        let library = try ServedLibrary.library()
        let scratch = try ScratchDirectory("mmsearch-thumbnail-cache")
        let index = scratch.path("index")
        try FileManager.default.copyItem(at: library.index, to: index)
        let server = try RunningServer([library.root.path, "--index", index.path, "--thumbnail-cache", "1"])
        let results = try server.get("/api/v1/search?q=a+photo&top=1000&modality=image").json["results"] as? [[String: Any]] ?? []
        let ids = results.compactMap { $0["id"] as? Int }
        #expect(ids.count >= 30)
        var served = 0
        for size in [1024, 512] {
            for id in ids {
                let answer = try server.get("/api/v1/files/\(id)/thumbnail?size=\(size)")
                #expect(answer.status == 200, "\(id): \(answer.text)")
                served += answer.body.count
            }
        }
        let folder = index.appendingPathComponent("thumbnails")
        var cached = 0
        var files: [String] = []
        if let walker = FileManager.default.enumerator(atPath: folder.path) {
            for case let path as String in walker where path.hasSuffix(".jpg") {
                files.append(path)
                cached += (try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(path).path)[.size] as? NSNumber)?.intValue ?? 0
            }
        }
        #expect(served > 1 << 20, "the test needs more than the limit's worth of thumbnails (\(served) bytes)")
        #expect(cached > 0 && cached <= 1 << 20, "\(cached) bytes cached in \(files.count) files")
        #expect(files.contains { $0.hasPrefix("\(ids.last!)/512-") }, "the latest thumbnail was trimmed")
        #expect(server.stop() == 0)
    }
}
