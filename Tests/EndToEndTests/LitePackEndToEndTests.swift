import Foundation
import MMBuiltins
import MMSearchKit
import MMTestSupport
import Testing

/// The product as a user meets it: the real `lite` pack, the bundled Media/ photos, the index
/// and search, checked against expectations verified with the PyTorch reference
/// (Scripts/fixtures/check_media_queries.py).
@Suite(.serialized)
struct LitePackEndToEndTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")
    static let copies = TestPaths.fixture("lite/copies")

    /// The pack, loaded once for the suite.
    static let pack = Result { try LitePack.load(modelsDirectory: TestPaths.models) }

    /// Media/ and the re-encoded copies, indexed once for the suite in each store.
    static let indexes = Locked<[TestStore: Result<(engine: Engine, directory: ScratchDirectory, summary: IndexSummary), Error>]>([:])

    static func indexed(_ store: TestStore) throws -> (engine: Engine, directory: ScratchDirectory, summary: IndexSummary) {
        try indexes.withLock { cache in
            if let known = cache[store] { return try known.get() }
            let made = Result {
                let directory = try ScratchDirectory("e2e-index")
                let engine = Engine(pack: try pack.get(), index: try store.newIndex(folder: directory.url))
                let summary = try engine.index(roots: [media, copies])
                return (engine: engine, directory: directory, summary: summary)
            }
            cache[store] = made
            return try made.get()
        }
    }

    static func rows(_ relative: String) throws -> [[String]] {
        let text = try String(contentsOf: TestPaths.fixture(relative), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
    }

    struct ImagesFixture: Decodable {
        struct Image: Decodable { let path: String; let conse: [Float] }
        let conse_top_t: Int
        let template: String
        let images: [Image]
    }

    @Test func aTextEmbeddingOpensOnlyTheTextNetwork() throws {
        // A fresh load (the suite's pack may have embedded images already).
        let pack = try LitePack.load(modelsDirectory: TestPaths.models)
        let image = try #require(pack.encoder(for: .image) as? DeferredEncoder)
        _ = try #require(pack.encoder(for: .text)).embed(.text("a dog"))
        #expect(!image.isOpen)
        // The image network opens when a photo is embedded, and embeds as any other load of it.
        let photo = Self.media.appendingPathComponent("airplane.jpg")
        let vector = try image.embed(.file(photo))
        #expect(image.isOpen)
        #expect(vector == (try Self.pack.get().encoder(for: .image)!.embed(.file(photo))))
    }

    @Test func imageEmbeddingsMatchTheReferenceConSEVectors() throws {
        let fixture = try TestPaths.json(ImagesFixture.self, "lite/images-draft.json")
        #expect(fixture.conse_top_t == LitePack.conseTopT)
        #expect(fixture.template == LitePack.conseTemplate)
        let encoder = try #require(try Self.pack.get().encoder(for: .image))
        let urls = fixture.images.map { TestPaths.repository.appendingPathComponent($0.path) }
        let results = encoder.embed(batch: urls.map { .file($0) })
        var worst: Float = 0
        for (image, result) in zip(fixture.images, results) {
            let d = maxAbsDifference(try result.get(), image.conse)
            worst = max(worst, d)
            #expect(d <= 1e-4, "\(image.path): max |Δ| = \(d)")
        }
        print("ConSE image embeddings: max |Δ| = \(worst) over \(fixture.images.count) photos")
    }

    /// Files of Media/ with one of `extensions`.
    static func media(_ extensions: [String]) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: media.path)
            .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
    }

    @Test(arguments: TestStore.allCases) func everyBundledPhotoIsIndexed(store: TestStore) throws {
        let (_, _, summary) = try Self.indexed(store)
        let photos = try Self.media(["jpg", "jpeg", "png"])
        #expect(photos.count >= 20)
        #expect(summary.failed == 0)
        // The photos and the three copies; Media/LICENSES.md stays out (Media/.mmsearchignore).
        #expect(summary.indexed == photos.count + 3)
        #expect(try Self.media(["md"]) == ["LICENSES.md"])
    }

    @Test(arguments: TestStore.allCases) func textQueriesRankTheExpectedPhotoFirst(store: TestStore) throws {
        let (engine, _, _) = try Self.indexed(store)
        let expectations = try Self.rows("lite/queries.tsv")
        #expect(expectations.count >= 10)
        for row in expectations {
            let (query, expected) = (row[0], row[1])
            // Photos only: the copies' folder holds no texts, but a text matches a text better.
            let hits = try engine.search(.text(query), limit: 3, options: SearchOptions(modalities: [.image]))
            let first = hits.first.map { ($0.path as NSString).lastPathComponent }
            #expect(first == expected, "\"\(query)\": first is \(first ?? "nothing"), expected \(expected); top 3: \(hits.map { ($0.path as NSString).lastPathComponent })")
        }
    }

    @Test(arguments: TestStore.allCases) func anImageQueryFindsItselfFirstAndItsReencodedCopySecond(store: TestStore) throws {
        let (engine, _, _) = try Self.indexed(store)
        for row in try Self.rows("lite/copies/copies.tsv") {
            let (copy, original) = (row[0], row[1])
            let hits = try engine.search(.file(Self.media.appendingPathComponent(original)), limit: 3)
            let names = hits.map { ($0.path as NSString).lastPathComponent }
            #expect(Array(names.prefix(2)) == [original, copy], "query \(original): \(names)")
            #expect(hits[0].score > 0.9999, "an image is its own nearest neighbour")
        }
    }

    @Test(arguments: TestStore.allCases) func reindexingTheUnchangedFolderEmbedsNothing(store: TestStore) throws {
        let (engine, _, _) = try Self.indexed(store)
        let again = try engine.index(roots: [Self.media, Self.copies])
        #expect(again.indexed == 0)
        #expect(again.failed == 0)
        // Every photo and copy (Media/LICENSES.md is ignored, see everyBundledPhotoIsIndexed).
        #expect(again.unchanged == (try Self.media(["jpg", "jpeg", "png"])).count + 3)
    }
}
