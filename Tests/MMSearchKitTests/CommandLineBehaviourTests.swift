import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// What the command line relies on from the library: query parsing, default locations, pack
/// loading errors, output documents and paths.
@Suite struct CommandLineBehaviourTests {
    func locations(_ env: [String: String] = [:], cwd: String = "/work/here") -> Locations {
        Locations(environment: env, homeDirectory: "/home/ann", currentDirectory: cwd)
    }

    @Test func aQueryIsAFileWhenItLooksLikeAPathOrNamesAnExistingFile() throws {
        let temp = try TemporaryDirectory()
        try temp.write("cat.jpg", "x")
        try FileManager.default.createDirectory(at: temp.sub("dog"), withIntermediateDirectories: true)
        let here = locations(cwd: temp.path)
        #expect(Query.parse("a dog", locations: here) == .text("a dog"))
        #expect(Query.parse("cat.jpg", locations: here) == .file(temp.sub("cat.jpg")))
        #expect(Query.parse("dog", locations: here) == .text("dog"), "a folder is not a query file")
        #expect(Query.parse("./missing.jpg", locations: here) == .file(temp.sub("missing.jpg")))
        #expect(Query.parse("../x.png", locations: here)
                == .file(URL(fileURLWithPath: temp.url.deletingLastPathComponent().path + "/x.png")))
        #expect(Query.parse("/abs/y.png", locations: here) == .file(URL(fileURLWithPath: "/abs/y.png")))
        #expect(Query.parse("~/z.png", locations: here) == .file(URL(fileURLWithPath: "/home/ann/z.png")))
        #expect(Query.parse("~z", locations: here) == .text("~z"))
    }

    @Test func theIndexDirectoryIsTheFlagThenMMSEARCH_INDEXThenXDGThenHome() {
        let all = ["MMSEARCH_INDEX": "/env/index", "XDG_DATA_HOME": "/xdg/data"]
        #expect(locations(all).indexDirectory(explicit: "rel/idx").path == "/work/here/rel/idx")
        #expect(locations(all).indexDirectory().path == "/env/index")
        #expect(locations(["XDG_DATA_HOME": "/xdg/data"]).indexDirectory().path == "/xdg/data/mmsearch/index")
        #expect(locations(["MMSEARCH_INDEX": ""]).indexDirectory().path
                == "/home/ann/.local/share/mmsearch/index")
    }

    @Test func theModelsDirectoryIsMMSEARCH_MODELSThenXDGThenHome() {
        #expect(locations(["MMSEARCH_MODELS": "~/m", "XDG_CACHE_HOME": "/c"]).modelsDirectory().path
                == "/home/ann/m")
        #expect(locations(["XDG_CACHE_HOME": "/c"]).modelsDirectory().path == "/c/mmsearch/models")
        #expect(locations().modelsDirectory().path == "/home/ann/.cache/mmsearch/models")
    }

    @Test func pathsAreStandardisedAndShownRelativeInsideTheCurrentDirectory() {
        #expect(FilePaths.absolute("a/./b/../c//d/", relativeTo: "/w") == "/w/a/c/d")
        #expect(FilePaths.absolute("/../x", relativeTo: "/w") == "/x")
        #expect(FilePaths.display("/work/here/photos/dog.jpg", from: "/work/here") == "photos/dog.jpg")
        #expect(FilePaths.display("/work/hereafter/dog.jpg", from: "/work/here") == "/work/hereafter/dog.jpg")
        #expect(FilePaths.display("/elsewhere/dog.jpg", from: "/work/here") == "/elsewhere/dog.jpg")
        #expect(FilePaths.display("/elsewhere/dog.jpg", from: "/") == "/elsewhere/dog.jpg")
        #expect(FilePaths.fileExtension("/a/b.tar.JPG") == "jpg")
        #expect(FilePaths.fileExtension("/a/.png") == "")
    }

    /// A pack description for registries in tests: its one required file is `weights.bin`.
    static func describe(_ name: String, rank: Int?, fetch: String? = nil) -> ModelPackDescription {
        ModelPackDescription(name: name, summary: "\(name) for tests", modalities: [.text, .image],
                             requiredFiles: ["weights.bin"], defaultRank: rank,
                             fetchCommand: fetch ?? "Scripts/fetch/models.py \(name)")
    }

    @Test func anUnknownPackIsAUsageErrorListingThePacks() {
        let registry = ModelPackRegistry([.init(Self.describe("lite", rank: 10)) { _ in try testPack() },
                                          .init(Self.describe("big", rank: 20)) { _ in try testPack() }])
        #expect {
            _ = try registry.load("clip", modelsDirectory: URL(fileURLWithPath: "/m"))
        } throws: { error in
            (error as? MMSearchError) == MMSearchError(.usage, "unknown model pack 'clip': available packs: lite, big",
                                                       reason: .unknownPack)
        }
        #expect(registry.defaultName == "lite")
    }

    @Test func missingModelsAreFatalAndSayWhereAndHowToFetch() {
        let registry = ModelPackRegistry([.init(Self.describe("clip-vit-b32", rank: 20, fetch: "Scripts/fetch/models.py clip")) { _ in
            Issue.record("the loader runs only when the pack's files are there")
            return try testPack()
        }])
        #expect {
            _ = try registry.load("clip-vit-b32", modelsDirectory: URL(fileURLWithPath: "/m/models"))
        } throws: { error in
            (error as? MMSearchError) == MMSearchError(
                .fatal, "models for pack 'clip-vit-b32' not found in /m/models/clip-vit-b32 (weights.bin is missing): "
                    + "run Scripts/fetch/models.py clip")
        }
    }

    @Test func embeddingAMissingOrUnsupportedFileIsAUsageErrorAndABadFileAnInputFailure() throws {
        let f = try Fixture()
        let gif = try f.photo("anim.gif", "gif")
        let bad = try f.photo("broken.jpg", "bad bytes")
        func kind(_ query: Query) -> (MMSearchError.Kind?, String) {
            do {
                _ = try f.engine.embed(query)
                return (nil, "")
            } catch {
                return ((error as? MMSearchError)?.kind, String(describing: error))
            }
        }
        let missing = kind(.file(f.photos.appendingPathComponent("nope.jpg")))
        #expect(missing.0 == .usage && missing.1.contains("nope.jpg: no such file"))
        let unsupported = kind(.file(URL(fileURLWithPath: gif)))
        #expect(unsupported.0 == .usage && unsupported.1.contains("jpeg, jpg, png"))
        let failed = kind(.file(URL(fileURLWithPath: bad)))
        #expect(failed.0 == .inputFailed)
        #expect(failed.1 == "\(bad): not an image (contains bad bytes)")
    }

    @Test func embedGivesTheUnitVectorModalityAndSpace() throws {
        let f = try Fixture()
        let embedding = try f.engine.embed(.text("a dog"))
        #expect(embedding.vector == hashVector(Array("a dog".utf8), dimension: 24))
        #expect(embedding.modality == .text)
        #expect(embedding.space == f.pack.space)
    }

    @Test func theQueryJSONHasTheDocumentedFields() throws {
        let space = SpaceID(name: "lite", dimension: 384, fingerprint: "abc")
        let doc = QueryResultsDocument(query: .text("a dog"), space: space, hits: [
            SearchHit(fileID: 7, path: "/p/dog.jpg", score: 0.8125, modality: .image),
        ])
        let json = try JSONOutput.encode(doc)
        #expect(json == #"{"query":{"kind":"text","value":"a dog"},"# +
                #""results":[{"id":7,"modality":"image","path":"/p/dog.jpg","score":0.8125}],"# +
                #""space":{"dimension":384,"fingerprint":"abc","name":"lite"}}"#)
        let back = try JSONDecoder().decode(QueryResultsDocument.self, from: Data(json.utf8))
        #expect(back == doc)
    }

    @Test func theEmbedJSONHasTheDocumentedFields() throws {
        let space = SpaceID(name: "lite", dimension: 2, fingerprint: "abc")
        let doc = EmbeddingDocument(input: .file(URL(fileURLWithPath: "/p/cat.jpg")),
                                    embedding: Embedding(vector: [0.6, 0.8], modality: .image, space: space))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(JSONOutput.encode(doc).utf8))
                                  as? [String: Any])
        #expect(Set(object.keys) == ["input", "modality", "space", "dimension", "vector"])
        #expect(object["dimension"] as? Int == 2)
        #expect((object["input"] as? [String: String]) == ["kind": "file", "value": "/p/cat.jpg"])
    }

    @Test func theSummaryLineReadsAsDocumented() {
        var summary = IndexSummary()
        summary.indexed = 24
        summary.failed = 5
        summary.seconds = 2.14
        #expect(summary.description == "indexed 24, unchanged 0, failed 5 (2.1 s)")
        summary.removed = 2
        summary.interrupted = true
        #expect(summary.description == "indexed 24, unchanged 0, failed 5, removed 2 (2.1 s), interrupted")
    }
}
