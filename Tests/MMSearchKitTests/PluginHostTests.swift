import Foundation
import MMTestSupport
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// The plugin host through the C ABI: toy plugins built from Tests/TestPlugins/toy_plugin.c
/// with `cc`, loaded into a registry over the test pack, indexed and searched.
@Suite struct PluginHostTests {
    /// A registry over the fixture's pack with the plugins of `folder` loaded.
    static func registry(_ f: Fixture, folder: URL) -> EncoderRegistry {
        var registry = EncoderRegistry(pack: f.pack)
        registry.loadPlugins(from: [PluginDirectory(url: folder, source: .option)])
        return registry
    }

    /// Indexes `photos/` with every encoder of `registry`.
    static func index(_ f: Fixture, _ registry: EncoderRegistry,
                      options: IndexOptions = IndexOptions(threads: 2)) throws -> (Engine, IndexSummary, [String: String]) {
        let engine = Engine(pack: registry.pack, indexDirectory: f.indexDirectory)
        var reported: [String: String] = [:]
        let summary = try engine.index(roots: [f.photos], options: options) { event in
            if case .failed(let path, let reason) = event {
                #expect(reported[path] == nil, "\(path) reported twice")
                reported[path] = reason
            }
        }
        return (engine, summary, reported)
    }

    @Test func aPluginBuiltForAnotherABIVersionIsRefusedWithAMessageNamingTheFileAndBothVersions() throws {
        let f = try Fixture()
        let library = try ToyPlugin.build(into: f.temp.sub("plugins"), name: "future", defines: ["TOY_ABI_VERSION=99"])
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        let failure = try #require(registry.failures.first)
        #expect(registry.failures.count == 1)
        #expect(failure.path == library.path)
        #expect(failure.reason.contains("ABI version 99") && failure.reason.contains("version 1"), "\(failure.reason)")
        #expect(registry.encoders.count == f.pack.encoders.count, "nothing of it is registered")
    }

    @Test func aPluginDeclaringAnotherDimensionIsRefusedAndIndexingGoesOnWithoutIt() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"), name: "narrow", defines: ["TOY_DIMENSION=7"])
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        #expect(registry.failures.map(\.reason) == ["plugin toy declares dimension 7, but the host's space test is 24-d"])
        try f.photo("dog.jpg", "a dog")
        try f.photo("clip.toy", "toy content")
        let (_, summary, reported) = try Self.index(f, registry)
        #expect(summary.indexed == 1 && reported.isEmpty, "the .toy file is not a readable type without the plugin")
    }

    @Test func descriptorsThatBreakTheRulesAreRefusedWithTheRule() throws {
        let f = try Fixture()
        let folder = f.temp.sub("plugins")
        let cases: [(name: String, defines: [String], reason: String)] = [
            ("noname", ["TOY_NAME=\"\""], "name is missing"),
            ("spaced", ["TOY_SPACE=\"clip\""], "writes into space 'clip'"),
            ("dotted", ["TOY_EXTENSION=\".toy\""], "extension 1 is not"),
            ("jpeg", ["TOY_EXTENSION=\"jpg\""], ".jpg files are already read by hash-image"),
            ("refusing", ["TOY_REFUSE"], "refused to load: toy: refusing to load (TOY_REFUSE is set)"),
            ("noentry", ["TOY_NO_ENTRY"], "does not export mms_plugin_entry"),
        ]
        for c in cases { try ToyPlugin.build(into: folder, name: c.name, defines: c.defines) }
        try Data("not a shared library".utf8).write(to: folder.appendingPathComponent("text.so"))
        let registry = Self.registry(f, folder: folder)
        for c in cases {
            let failure = registry.failures.first { $0.path.hasSuffix("/\(c.name).so") }
            #expect(failure?.reason.contains(c.reason) == true, "\(c.name): \(failure?.reason ?? "loaded")")
        }
        let text = registry.failures.first { $0.path.hasSuffix("/text.so") }
        #expect(text?.reason.hasPrefix("cannot be loaded: ") == true, "\(text?.reason ?? "loaded")")
        #expect(registry.failures.count == cases.count + 1)
    }

    @Test func errorsNaNAndZeroVectorsFailTheirFilesWithPathAndReasonAndTheRunGoesOn() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"))
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        #expect(registry.failures.isEmpty, "\(registry.failures)")
        let good = [try f.photo("good-1.toy", "first"), try f.photo("good-2.toy", "second"),
                    try f.photo("dog.jpg", "a dog")]
        // Each file has its own bytes: identical files are embedded once (content hashing).
        let expected = [
            try f.photo("error.toy", "x-error"): "toy: cannot read this toy file (asked to fail)",
            try f.photo("nan.toy", "x-nan"): "plugin toy: encoder returned a vector with NaN or infinite values",
            try f.photo("zero.toy", "x-zero"): "plugin toy: encoder returned a zero vector",
            try f.photo("internal.toy", "x-internal"): "plugin toy failed: toy: internal trouble",
            try f.photo("status.toy", "x-status"): "plugin toy returned unknown status 42",
            try f.photo("badsegment.toy", "x-badsegment"): "plugin toy: segment 2 at 1.0s: encoder returned a vector with NaN or infinite values",
        ]
        let (engine, summary, reported) = try Self.index(f, registry)
        #expect(reported == expected)
        #expect(summary.indexed == good.count)
        #expect(summary.failed == expected.count)
        #expect(try f.indexedPaths() == Set(good))
        #expect(try f.search(content: "second").first?.path == good[1])
        // The failures are recorded in the catalog too.
        #expect(Set(try engine.index.failures().map(\.path)) == Set(expected.keys))
    }

    @Test func aPluginFailingRepeatedlyIsDisabledForTheRestOfTheRun() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"))
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        for i in 0..<8 { try f.photo("internal-\(i).toy", "x\(i)") }  // distinct bytes: each is embedded
        try f.photo("later.toy", "a good file after the failures")
        let (_, summary, reported) = try Self.index(f, registry, options: IndexOptions(threads: 1, batchSize: 1))
        #expect(summary.failed == 9)
        let limit = SharedLibraryEncoder.maxConsecutiveFailures
        let ownReasons = reported.values.filter { $0 == "plugin toy failed: toy: internal trouble" }
        let disabled = reported.values.filter { $0.hasPrefix("plugin toy was disabled for this run after \(limit) failures in a row") }
        #expect(ownReasons.count == limit)
        #expect(disabled.count == 9 - limit, "\(reported)")
    }

    @Test func aPluginThatIsNotThreadSafeIsNeverCalledConcurrently() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"))
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        for i in 0..<24 { try f.photo("clip-\(i).toy", "clip \(i)") }
        let (_, summary, reported) = try Self.index(f, registry, options: IndexOptions(threads: 4, batchSize: 1))
        #expect(reported.isEmpty, "the toy fails calls that overlap: \(reported.values.first ?? "")")
        #expect(summary.indexed == 24)
    }

    @Test func aThreadSafePluginIsCalledFromSeveralWorkers() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"), defines: ["TOY_THREAD_SAFE"])
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        let encoder = try #require(registry.pack.encoder(forFileExtension: "toy") as? SharedLibraryEncoder)
        #expect(encoder.info.origin.hasSuffix("/toy.so"))
        for i in 0..<8 { try f.photo("clip-\(i).toy", "clip \(i)") }
        let (_, summary, reported) = try Self.index(f, registry, options: IndexOptions(threads: 4, batchSize: 1))
        #expect(reported.isEmpty && summary.indexed == 8)
    }

    @Test func aPluginBuildsOnTheHostsTextAndImageEncoders() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"))
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        let caption = try f.photo("caption.toy", "a red kite over the dunes")
        let pixels: [UInt8] = (0..<(3 * 2 * 3)).map { UInt8($0 * 13 % 256) }
        let rgb = f.photos.appendingPathComponent("rgb.toy")
        try (Data("3 2\n".utf8) + Data(pixels)).write(to: rgb)
        let (engine, _, reported) = try Self.index(f, registry)
        #expect(reported.isEmpty, "\(reported)")
        let byText = try engine.search(.text("a red kite over the dunes"), limit: 1)
        #expect(byText.first?.path == caption && abs((byText.first?.score ?? 0) - 1) < 1e-5)
        let byPixels = try engine.reader().search(hashVector(pixels, dimension: 24), limit: 1)
        #expect(byPixels.first?.path == rgb.path && abs((byPixels.first?.score ?? 0) - 1) < 1e-5)
    }

    @Test func segmentsAreStoredAndTheBestMatchingOneIsShownWithAHit() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"))
        let registry = Self.registry(f, folder: f.temp.sub("plugins"))
        let clip = try f.photo("segments-walk.toy", "a walk in the park")
        try f.photo("plain.toy", "something else")
        let (engine, _, reported) = try Self.index(f, registry)
        #expect(reported.isEmpty, "\(reported)")
        // The toy's third part (2 s to 3 s) has the content's own vector.
        let hits = try engine.search(.text("a walk in the park"), limit: 2)
        #expect(hits.first?.path == clip)
        let segment = try #require(hits.first?.part)
        #expect(segment.time?.start == 2 && segment.time?.end == 3 && abs(segment.score - 1) < 1e-5)
        #expect(hits.dropFirst().allSatisfy { $0.part == nil }, "files without segments have none")
        // The JSON document carries it; hits without segments have no "segment" key.
        let json = try JSONOutput.encode(QueryResultsDocument(query: .text("a walk in the park"),
                                                              space: registry.space, hits: hits))
        #expect(json.contains("\"segment\":{\"end\":3,\"score\":"), "\(json)")
        #expect(json.components(separatedBy: "\"segment\"").count == 2)
        // Re-indexing a changed file replaces its segments; removing it removes them.
        try f.photo("segments-walk.toy", "a swim in the lake", mtime: Date().addingTimeInterval(60))
        _ = try Self.index(f, registry)
        let store = try StoreInternals(f.indexDirectory)
        let spaceID = try #require(try store.space(matching: registry.space)).id
        let count = { try store.catalog.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM media_segment") ?? -1 } }
        #expect(try count() == 3)
        try FileManager.default.removeItem(atPath: clip)
        _ = try Self.index(f, registry)
        #expect(try count() == 0)
        #expect(try PartTables.encoderFingerprints(under: [f.photos.path], space: spaceID, in: store.catalog).count == 1)
    }

    @Test func aNewVersionOfAPluginEmbedsItsFilesAgainAndLeavesTheOthers() throws {
        let f = try Fixture()
        try f.photo("a.toy", "first")
        try f.photo("b.toy", "second")
        try f.photo("dog.jpg", "a dog")
        try ToyPlugin.build(into: f.temp.sub("v1"), defines: ["TOY_VERSION=\"1\""])
        try ToyPlugin.build(into: f.temp.sub("v2"), defines: ["TOY_VERSION=\"2\""])
        let v1 = Self.registry(f, folder: f.temp.sub("v1"))
        let v2 = Self.registry(f, folder: f.temp.sub("v2"))
        let (first, second) = (try #require(v1.pack.encoder(forFileExtension: "toy")),
                               try #require(v2.pack.encoder(forFileExtension: "toy")))
        #expect(first.info.fingerprint != second.info.fingerprint)
        #expect(try Self.index(f, v1).1.indexed == 3)
        #expect(try Self.index(f, v1).1.indexed == 0, "same version: nothing to do")
        let (_, upgraded, _) = try Self.index(f, v2)
        #expect(upgraded.indexed == 2 && upgraded.unchanged == 1, "only the plugin's files: \(upgraded)")
    }

    @Test func filesOfAPluginNotLoadedInALaterRunStayIndexedUntilTheyAreDeleted() throws {
        let f = try Fixture()
        try ToyPlugin.build(into: f.temp.sub("plugins"))
        let kept = try f.photo("kept.toy", "kept")
        let deleted = try f.photo("deleted.toy", "deleted")
        let dog = try f.photo("dog.jpg", "a dog")
        _ = try Self.index(f, Self.registry(f, folder: f.temp.sub("plugins")))
        try FileManager.default.removeItem(atPath: deleted)
        // Without the plugin (not given, or it failed to load) its files are not scanned.
        let (without, _) = try f.index()
        #expect(without.removed == 1 && without.unchanged == 1, "\(without)")
        #expect(try f.indexedPaths() == [kept, dog])
    }

    @Test func theSameLibraryReachedTwiceIsLoadedOnceAndAnotherWithTheSameNameIsRefused() throws {
        let f = try Fixture()
        let library = try ToyPlugin.build(into: f.temp.sub("a"))
        try FileManager.default.createDirectory(at: f.temp.sub("b"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: f.temp.sub("b/link.so").path, withDestinationPath: library.path)
        try ToyPlugin.build(into: f.temp.sub("c"), defines: ["TOY_EXTENSION=\"toy2\""])
        var registry = EncoderRegistry(pack: f.pack)
        registry.loadPlugins(from: ["a", "b", "c"].map { PluginDirectory(url: f.temp.sub($0), source: .option) })
        #expect(registry.encoders.count == f.pack.encoders.count + 1)
        #expect(registry.failures.map(\.reason) == ["an encoder named toy is already registered (\(library.path))"])
    }

    @Test func pluginFoldersComeFromTheOptionThenTheEnvironmentThenXDGDataHome() {
        let locations = Locations(environment: ["MMSEARCH_PLUGIN_PATH": "/opt/p1::rel/p2:/opt/p1",
                                                "XDG_DATA_HOME": "/data"],
                                  homeDirectory: "/home/u", currentDirectory: "/work")
        let folders = locations.pluginDirectories(explicit: ["./mine", "/opt/p1"])
        #expect(folders.map(\.url.path) == ["/work/mine", "/opt/p1", "/work/rel/p2", "/data/mmsearch/plugins"])
        #expect(folders.map(\.source) == [.option, .option, .environment, .standard])
        let plain = Locations(environment: [:], homeDirectory: "/home/u", currentDirectory: "/")
        #expect(plain.pluginDirectories().map(\.url.path) == ["/home/u/.local/share/mmsearch/plugins"])
    }

    @Test func aMissingStandardFolderIsNoFailureButAMissingExplicitOneIs() {
        let f = try? Fixture()
        guard let f else { Issue.record("fixture"); return }
        var registry = EncoderRegistry(pack: f.pack)
        registry.loadPlugins(from: [PluginDirectory(url: f.temp.sub("nope"), source: .standard),
                                    PluginDirectory(url: f.temp.sub("gone"), source: .option)])
        #expect(registry.failures == [PluginLoadFailure(path: f.temp.sub("gone").path, reason: "plugin folder does not exist")])
    }
}
