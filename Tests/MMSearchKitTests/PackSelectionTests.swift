import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Which pack a command uses when none is named, `--model-dir`, and the `mmsearch models`
/// document: the rules of `ModelPackRegistry.choose` and `load`.
@Suite struct PackSelectionTests {
    /// A registry like the program's: `lite` first (the fallback), `clip` ranked higher,
    /// `clap` never a default; each is present when `<models>/<name>/weights.bin` exists.
    /// Loading gives the hash pack named after the pack, and records the folder it read.
    final class Setup {
        let temp: TemporaryDirectory
        var models: URL { temp.sub("models") }
        let loads = LoadLog()

        init() throws {
            temp = try TemporaryDirectory()
            try FileManager.default.createDirectory(at: temp.sub("models"), withIntermediateDirectories: true)
        }

        var registry: ModelPackRegistry {
            let log = loads
            func entry(_ name: String, _ rank: Int?) -> ModelPackRegistry.Entry {
                .init(CommandLineBehaviourTests.describe(name, rank: rank)) { source in
                    log.append(source.directory.path)
                    return try testPack(name: name)
                }
            }
            return ModelPackRegistry([entry("lite", 10), entry("clip", 20), entry("clap", nil)])
        }

        func fetch(_ pack: String) throws {
            try temp.write("models/\(pack)/weights.bin", "w")
        }

        func choose(_ name: String? = nil, index: URL? = nil) -> PackChoice {
            registry.choose(named: name, modelsDirectory: models, index: .embedded(at: index ?? temp.sub("no-index")))
        }

        /// An index at `index/` holding files embedded by pack `name`.
        func index(with name: String) throws -> URL {
            try temp.write("photos/a.txt", "a dog")
            let engine = Engine(pack: try registry.load(name, modelsDirectory: models), indexDirectory: temp.sub("index"))
            _ = try engine.index(roots: [temp.sub("photos")], options: IndexOptions(threads: 1))
            return temp.sub("index")
        }
    }

    final class LoadLog: @unchecked Sendable {
        private let lock = NSLock()
        private var folders: [String] = []
        func append(_ folder: String) { lock.withLock { folders.append(folder) } }
        var all: [String] { lock.withLock { folders } }
    }

    @Test func withNothingFetchedTheFallbackIsLiteAndItsLoadingSaysHowToFetch() throws {
        let s = try Setup()
        #expect(s.choose() == PackChoice(name: "lite", reason: .fallback))
        #expect {
            _ = try s.registry.load("lite", modelsDirectory: s.models)
        } throws: { error in
            "\(error)".contains("run Scripts/fetch/models.py lite") && "\(error)".contains("weights.bin is missing")
        }
        #expect(s.loads.all.isEmpty)
    }

    @Test func theBestPresentPackIsTheDefaultForANewIndexAndAnUnrankedPackNeverIs() throws {
        let s = try Setup()
        try s.fetch("clap")
        #expect(s.choose() == PackChoice(name: "lite", reason: .fallback))
        try s.fetch("lite")
        #expect(s.choose() == PackChoice(name: "lite", reason: .bestPresent))
        try s.fetch("clip")
        #expect(s.choose() == PackChoice(name: "clip", reason: .bestPresent))
    }

    @Test func anIndexKeepsThePackItWasBuiltWithAfterABetterOneIsFetched() throws {
        let s = try Setup()
        try s.fetch("lite")
        let index = try s.index(with: "lite")
        try s.fetch("clip")
        #expect(s.choose(index: index) == PackChoice(name: "lite", reason: .index(index.path)))
        // A new index (another folder) gets the best present pack.
        #expect(s.choose(index: s.temp.sub("other-index")) == PackChoice(name: "clip", reason: .bestPresent))
        // An unranked pack an index was built with is kept too.
        let clapIndex = try Setup()
        try clapIndex.fetch("clap")
        try clapIndex.fetch("clip")
        let built = try clapIndex.index(with: "clap")
        #expect(clapIndex.choose(index: built) == PackChoice(name: "clap", reason: .index(built.path)))
    }

    @Test func aNamedPackWinsOverTheIndexAndTheRanks() throws {
        let s = try Setup()
        try s.fetch("lite")
        try s.fetch("clip")
        let index = try s.index(with: "lite")
        #expect(s.choose("clap", index: index) == PackChoice(name: "clap", reason: .named))
    }

    @Test func aModelDirectoryIsLoadedInsteadOfTheModelsFolder() throws {
        let s = try Setup()
        let elsewhere = s.temp.sub("elsewhere/clip-model")
        try s.temp.write("elsewhere/clip-model/weights.bin", "w")
        let pack = try s.registry.load("clip", modelsDirectory: s.models, directory: elsewhere)
        #expect(pack.name == "clip")
        #expect(s.loads.all == [elsewhere.path])
    }

    @Test func aModelDirectoryWithoutThePacksFilesIsRefusedNamingWhatIsMissing() throws {
        let s = try Setup()
        let empty = s.temp.sub("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect {
            _ = try s.registry.load("clip", modelsDirectory: s.models, directory: empty)
        } throws: { error in
            let e = error as? MMSearchError
            return e?.kind == .fatal && e?.reason == .modelFolder
                && e?.message.contains("\(empty.path) is not a clip model folder") == true
                && e?.message.contains("weights.bin missing") == true
        }
        #expect {
            _ = try s.registry.load("clip", modelsDirectory: s.models, directory: s.temp.sub("nope"))
        } throws: { error in
            (error as? MMSearchError) == MMSearchError(.usage, "\(s.temp.sub("nope").path): no such folder", reason: .modelFolder)
        }
        #expect(s.loads.all.isEmpty)
    }

    @Test func theModelsDocumentListsEveryPackWithPresenceAndTheDefault() throws {
        let s = try Setup()
        try s.fetch("clip")
        let choice = s.choose()
        let doc = ModelsDocument(registry: s.registry, modelsDirectory: s.models, choice: choice)
        #expect(doc.packs.map(\.name) == ["lite", "clip", "clap"])
        #expect(doc.packs.map(\.present) == [false, true, false])
        #expect(doc.packs[0].missing == ["weights.bin"])
        #expect(doc.packs[1].directory == s.models.appendingPathComponent("clip").path)
        #expect(doc.packs[2].defaultRank == nil)
        #expect(doc.default.pack == "clip" && doc.default.reason == "best-present")
        let json = String(decoding: try JSONEncoder().encode(doc), as: UTF8.self)
        #expect(json.contains("\"default_rank\":null"))
        #expect(json.contains("\"models_directory\""))
    }
}
