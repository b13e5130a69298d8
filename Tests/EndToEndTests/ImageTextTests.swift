import Foundation
import MMBuiltins
import MMSearchKit
import MMTestSupport
import Testing

/// Text inside images with the real `lite` pack: Tests/Fixtures/ocr (receipt, street sign,
/// screenshot, written by Scripts/fixtures/make_ocr_fixtures.py) indexed with Media/'s photos.
/// The words read in an image are rows of their own, embedded by the pack's text encoder and
/// kept with their regions by every store.
@Suite(.serialized)
struct ImageTextTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")
    static let fixtures = TestPaths.fixture("ocr")
    static let pack = Result { try LitePack.load(modelsDirectory: TestPaths.models) }

    /// The three pictures with text (not the strip: its budget is tested on its own) and the photos.
    static func roots(_ directory: ScratchDirectory) throws -> [URL] {
        let pictures = directory.url.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: true)
        for name in ["receipt.png", "street-sign.png", "screenshot.png"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name),
                                             to: pictures.appendingPathComponent(name))
        }
        return [pictures, media]
    }

    static let indexes = Locked<[TestStore: Result<(engine: Engine, directory: ScratchDirectory), Error>]>([:])

    /// Indexed once per store with the default, `auto`.
    static func indexed(_ store: TestStore) throws -> (engine: Engine, directory: ScratchDirectory) {
        try indexes.withLock { cache in
            if let known = cache[store] { return try known.get() }
            let made = Result {
                let directory = try ScratchDirectory("e2e-ocr")
                let engine = Engine(pack: try pack.get(), index: try store.newIndex(folder: directory.url.appendingPathComponent("index")))
                let summary = try engine.index(roots: roots(directory))
                #expect(summary.failed == 0)
                return (engine: engine, directory: directory)
            }
            cache[store] = made
            return try made.get()
        }
    }

    @Test(arguments: TestStore.allCases)
    func aCodeOnlyInThePixelsFindsTheReceiptFirstWithHybrid(store: TestStore) throws {
        let engine = try Self.indexed(store).engine
        var options = SearchOptions()
        options.hybrid = true
        let hits = try engine.search(QueryExpression(.text("INV-7Q42-XK9")), limit: 5, options: options)
        let best = try #require(hits.first)
        print("INV-7Q42-XK9 → \(hits.map { URL(fileURLWithPath: $0.path).lastPathComponent })")
        #expect(best.path.hasSuffix("/receipt.png"))
        #expect(best.modality == .image)
        let part = try #require(best.part)
        #expect(part.text?.contains("INV-7Q42-XK9") == true)
        let region = try #require(part.region, "the store kept no region")
        #expect(region.y > 254 && region.width > 100 && region.x + region.width <= 520)
    }

    @Test(arguments: TestStore.allCases, [("slow down near the school, kids walk across the road here", "street-sign.png"),
                                          ("how much disk space my nightly backups take", "screenshot.png")])
    func aParaphraseOfAnImagesTextFindsItByMeaning(store: TestStore, example: (String, String)) throws {
        let engine = try Self.indexed(store).engine
        let hits = try engine.search(QueryExpression(.text(example.0)), limit: 3, options: SearchOptions())
        print("\(example.0) → \(hits.map { "\(URL(fileURLWithPath: $0.path).lastPathComponent) \($0.score)" })")
        #expect(hits.first?.path.hasSuffix("/" + example.1) == true)
        #expect(hits.first?.part?.region != nil)
    }

    /// A photo without text is one row, as without OCR; a picture with text is its own row first,
    /// then one per block of text, which a search for the picture itself finds as the whole file.
    @Test(arguments: TestStore.allCases)
    func imagesWithTextGainRowsAndPhotosStayOneRow(store: TestStore) throws {
        let engine = try Self.indexed(store).engine
        let reader = try engine.reader()
        let zebra = try #require(engine.search(.file(Self.media.appendingPathComponent("zebra.jpg")), limit: 1).first)
        #expect(zebra.path.hasSuffix("/zebra.jpg") && zebra.part == nil)
        #expect(try reader.file(id: zebra.fileID)?.record.vectorCount == 1)
        var options = SearchOptions()
        options.hybrid = true
        let receipt = try #require(engine.search(QueryExpression(.text("INV-7Q42-XK9")), limit: 1, options: options).first)
        let details = try #require(try reader.file(id: receipt.fileID))
        #expect(details.record.vectorCount == details.parts.count && details.parts.count >= 2)
        #expect(details.parts.first?.isWholeFile == true)
        #expect(details.parts.dropFirst().allSatisfy { $0.region != nil && !($0.text ?? "").isEmpty })
    }

    /// `off` gives the old behaviour (one row per image; the code is found by nothing), and
    /// turning OCR on reads the images again, once.
    @Test func turningOCROnReadsImagesAgainAndOffIsTheOldBehaviour() throws {
        let directory = try ScratchDirectory("e2e-ocr-modes")
        let engine = Engine(pack: try Self.pack.get(), index: Index.embedded(at: directory.url.appendingPathComponent("index")))
        let roots = try Self.roots(directory)
        let images = 3 + (try FileManager.default.contentsOfDirectory(atPath: Self.media.path)
            .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.count)
        var off = IndexOptions()
        off.imageText = .off
        let first = try engine.index(roots: roots, options: off)
        #expect(first.indexed == images)
        var options = SearchOptions()
        options.hybrid = true
        let before = try engine.search(QueryExpression(.text("INV-7Q42-XK9")), limit: 3, options: options)
        #expect(before.allSatisfy { $0.part == nil })
        let byPicture = try engine.search(.file(Self.fixtures.appendingPathComponent("receipt.png")), limit: 1)
        let receiptID = try #require(byPicture.first?.fileID)
        #expect(byPicture.first?.path.hasSuffix("/receipt.png") == true)
        #expect(try engine.reader().file(id: receiptID)?.record.vectorCount == 1)
        #expect(try engine.index(roots: roots, options: off).indexed == 0)

        let on = try engine.index(roots: roots, options: IndexOptions())
        #expect(on.indexed == images)
        let after = try engine.search(QueryExpression(.text("INV-7Q42-XK9")), limit: 3, options: options)
        #expect(after.first?.path.hasSuffix("/receipt.png") == true)
        #expect(try engine.index(roots: roots, options: IndexOptions()).indexed == 0)
    }
}
