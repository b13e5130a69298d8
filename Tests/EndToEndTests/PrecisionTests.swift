import Foundation
import MMBuiltins
import MMSearchKit
import MMTestSupport
import Testing

/// The `lite` pack at int8 (`--precision int8`): the Media qrels hold (Recall@5 1.0, MRR within
/// 0.02 of f32, issue 12's bar), the index records the precision in both stores, the next run
/// keeps it, and a run at the other precision embeds the files again.
@Suite(.serialized)
struct PrecisionTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")

    static func qrels(_ engine: Engine) throws -> EvaluationReport {
        let here = Locations(environment: [:], homeDirectory: NSHomeDirectory(), currentDirectory: TestPaths.repository.path)
        var options = SearchOptions()
        options.modalities = [.image]
        return try engine.evaluate(try Qrels.read(TestPaths.fixture("lite/media-qrels.tsv")), options: options, locations: here)
    }

    @Test func theMediaQrelsHoldAtInt8() throws {
        let f32Directory = try ScratchDirectory("precision-f32"), int8Directory = try ScratchDirectory("precision-int8")
        let f32 = Engine(pack: try LitePack.load(modelsDirectory: TestPaths.models, precision: .f32),
                         index: Index.embedded(at: f32Directory.url))
        let int8 = Engine(pack: try LitePack.load(modelsDirectory: TestPaths.models, precision: .int8),
                          index: Index.embedded(at: int8Directory.url))
        _ = try f32.index(roots: [Self.media])
        _ = try int8.index(roots: [Self.media])
        let (a, b) = (try Self.qrels(f32).mean, try Self.qrels(int8).mean)
        print(String(format: "Media qrels: f32 R@5 %.3f MRR %.3f; int8 R@5 %.3f MRR %.3f", a.recallAt5, a.reciprocalRank,
                     b.recallAt5, b.reciprocalRank))
        #expect(b.recallAt5 == 1.0)
        #expect(abs(a.reciprocalRank - b.reciprocalRank) <= 0.02)
    }

    @Test(arguments: TestStore.allCases) func theIndexRecordsItsPrecisionAndAnotherOneEmbedsAgain(store: TestStore) throws {
        let directory = try ScratchDirectory("precision-record")
        let index = try store.newIndex(folder: directory.url)
        let loader = PackLoader(locations: .current())
        let lite = PackChoice(name: LitePack.name, reason: .named)
        #expect(index.precision() == nil)
        // No index: the pack's default.
        #expect(loader.precision(PackRequest(), pack: lite, index: index)
                == BuiltinPacks.registry.description(of: LitePack.name)?.defaultPrecision)
        // A photo (the lite pack's image network is f32 at any precision) and two notes.
        let files = try ScratchDirectory("precision-files")
        try FileManager.default.copyItem(at: Self.media.appendingPathComponent("zebra.jpg"),
                                         to: files.url.appendingPathComponent("zebra.jpg"))
        for name in ["safari-diary.md", "kitchen-notes.txt"] {
            try FileManager.default.copyItem(at: TestPaths.fixture("notes").appendingPathComponent(name),
                                             to: files.url.appendingPathComponent(name))
        }
        let int8 = Engine(pack: try LitePack.load(modelsDirectory: TestPaths.models, precision: .int8), index: index)
        #expect(try int8.index(roots: [files.url]).indexed == 3)
        #expect(index.precision() == .int8)
        // The next run without --precision keeps it; naming one wins.
        #expect(loader.precision(PackRequest(), pack: lite, index: index) == .int8)
        #expect(loader.precision(PackRequest(precision: .f32), pack: lite, index: index) == .f32)
        #expect(try int8.index(roots: [files.url]).unchanged == 3)
        // At f32 the texts are embedded again (the text encoder's fingerprint covers the
        // precision); the photo's vector does not depend on it and stays.
        let f32 = Engine(pack: try LitePack.load(modelsDirectory: TestPaths.models, precision: .f32), index: index)
        let again = try f32.index(roots: [files.url])
        #expect(again.indexed == 2 && again.unchanged == 1)
        #expect(index.precision() == .f32)
        // Queries at either precision search the same space.
        var photos = SearchOptions()
        photos.modalities = [.image]
        let hits = try int8.search(.text("a zebra"), limit: 1, options: photos)
        #expect(hits.first?.path.hasSuffix("/zebra.jpg") == true)
    }
}
