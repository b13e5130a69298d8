import Foundation
import MMCLAP
import MMBuiltins
import MMCLIP
import MMMedia
import MMSearchKit
import MMTestSupport
import Testing

/// The `clip-vit-b32` and `clap-htsat` packs loaded from any Hugging Face-layout folder (here
/// the tiny random fixture models, as `--model-dir` loads them): their encoders give the
/// reference's vectors, they index and search real files, and an index of one pack refuses the
/// other.
@Suite(.serialized)
struct HuggingFacePackTests {
    static let clipFolder = TestPaths.fixture("clip/tiny")
    static let clapFolder = TestPaths.fixture("clap/tiny")
    static let media = TestPaths.repository.appendingPathComponent("Media")

    static let clip = Result { try BuiltinPacks.registry.load(CLIPPack.name, modelsDirectory: TestPaths.models, directory: clipFolder) }
    static let clap = Result { try BuiltinPacks.registry.load(ClapPack.name, modelsDirectory: TestPaths.models, directory: clapFolder) }

    struct TextCases: Decodable {
        struct Case: Decodable { let text: String; let embedding: [Float] }
        let cases: [Case]
    }

    struct ImageCases: Decodable {
        struct Image: Decodable { let name: String; let rgb: String; let width: Int; let height: Int; let embedding: [Float] }
        let images: [Image]
    }

    @Test func clipPackEncodersGiveTheReferenceVectors() throws {
        let pack = try Self.clip.get()
        #expect(pack.name == "clip-vit-b32")
        #expect(pack.space.name == "clip-vit-b32")
        let text = try #require(pack.encoder(for: .text))
        for c in try TestPaths.json(TextCases.self, "clip/tiny-text.json").cases {
            let d = maxAbsDifference(try text.embed(.text(c.text)), c.embedding)
            #expect(d <= 1e-4, "\"\(c.text)\": max |Δ| = \(d)")
        }
        let image = try #require(pack.encoder(for: .image))
        #expect(Set(image.info.fileExtensions) == ["jpg", "jpeg", "png"])
        for record in try TestPaths.json(ImageCases.self, "clip/tiny-images.json").images {
            let data = try Data(contentsOf: TestPaths.fixture("clip/\(record.rgb)"))
            let rgb = RGBImage(width: record.width, height: record.height, pixels: [UInt8](data))
            let d = maxAbsDifference(try image.embed(.image(rgb)), record.embedding)
            #expect(d <= 1e-4, "\(record.name): max |Δ| = \(d)")
        }
    }

    @Test func clapPackTextEncoderGivesTheReferenceVectorsAndReadsSoundFiles() throws {
        let pack = try Self.clap.get()
        #expect(pack.name == "clap-htsat")
        let text = try #require(pack.encoder(for: .text))
        for c in try TestPaths.json(TextCases.self, "clap/tiny-text.json").cases {
            let d = maxAbsDifference(try text.embed(.text(c.text)), c.embedding)
            #expect(d <= 1e-4, "\"\(c.text)\": max |Δ| = \(d)")
        }
        let audio = try #require(pack.encoder(for: .audio))
        #expect(Set(audio.info.fileExtensions) == ["wav", "flac", "ogg", "opus", "mp3"])
        #expect(pack.encoder(for: .image) == nil)
    }

    @Test func clipPackIndexesThePhotosAndFindsAPhotoByItself() throws {
        let directory = try ScratchDirectory("clip-pack-index")
        let engine = Engine(pack: try Self.clip.get(), indexDirectory: directory.url)
        let summary = try engine.index(roots: [Self.media])
        let photos = try FileManager.default.contentsOfDirectory(atPath: Self.media.path)
            .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }
        #expect(summary.failed == 0)
        #expect(summary.indexed >= photos.count)
        let hits = try engine.search(.text("a photo of a dog"), limit: 5, options: SearchOptions(modalities: [.image]))
        #expect(hits.count == 5)
        for name in ["zebra.jpg", "cat-chelsea.png"] {
            let query = Self.media.appendingPathComponent(name)
            let first = try engine.search(.file(query), limit: 1).first
            #expect(first.map { ($0.path as NSString).lastPathComponent } == name)
            #expect((first?.score ?? 0) > 0.999)
        }
    }

    @Test func clapPackIndexesSoundFilesAndFindsOneByItself() throws {
        let directory = try ScratchDirectory("clap-pack-index")
        let engine = Engine(pack: try Self.clap.get(), indexDirectory: directory.url)
        let sounds = ["flac/s16_stereo_44100.flac", "long/tones_2s_8000.ogg", "long/tones_2s_8000.mp3",
                      "long/tones_5s_16000.flac"].map { TestPaths.fixture("audio/\($0)") }
        let folder = directory.path("sounds")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for url in sounds { try FileManager.default.copyItem(at: url, to: folder.appendingPathComponent(url.lastPathComponent)) }
        let summary = try engine.index(roots: [folder])
        #expect(summary.failed == 0)
        #expect(summary.indexed == sounds.count)
        let hits = try engine.search(.text("a dog barking"), limit: 10)
        #expect(hits.count == sounds.count)
        #expect(hits.allSatisfy { $0.modality == .audio })
        let query = folder.appendingPathComponent("tones_5s_16000.flac")
        let first = try engine.search(.file(query), limit: 1).first
        #expect(first.map { ($0.path as NSString).lastPathComponent } == "tones_5s_16000.flac")
    }

    @Test func anIndexOfOnePackRefusesTheOtherNamingBoth() throws {
        let directory = try ScratchDirectory("pack-mix")
        let photos = directory.path("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.media.appendingPathComponent("zebra.jpg"),
                                         to: photos.appendingPathComponent("zebra.jpg"))
        let index = directory.path("index")
        _ = try Engine(pack: try Self.clip.get(), indexDirectory: index).index(roots: [photos])
        let other = Engine(pack: try Self.clap.get(), indexDirectory: index)
        #expect {
            _ = try other.search(.text("a zebra"), limit: 1)
        } throws: { error in
            let e = error as? MMSearchError
            let message = e?.message ?? ""
            guard case .spaceMismatch(let built, let asked)? = e?.reason else { return false }
            return message.contains("index built with clip-vit-b32") && message.contains("encoder is clap-htsat")
                && built.name == "clip-vit-b32" && asked.name == "clap-htsat"
        }
        #expect(throws: MMSearchError.self) { _ = try other.index(roots: [photos]) }
        #expect(Index.embedded(at: index).packName() == "clip-vit-b32")
    }

    @Test func theCommandLineEmbedsWithAModelFolderMadeElsewhere() throws {
        let scratch = try ScratchDirectory("model-dir-cli")
        let env = ["MMSEARCH_MODELS": scratch.path("models").path, "MMSEARCH_INDEX": scratch.path("index").path,
                   "XDG_CACHE_HOME": scratch.path("cache").path]
        let out = try CommandLineTool.run(["embed", "--model", "clip-vit-b32", "--model-dir", Self.clipFolder.path,
                                           "a dog", "--json"], environment: env)
        #expect(out.status == 0, "\(out.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        #expect((doc?["vector"] as? [Any])?.count == 32)
        let space = (doc?["space"] as? [String: Any])?["name"] as? String
        #expect(space == "clip-vit-b32")

        // Without --model, --model-dir does not say what the folder holds.
        let bare = try CommandLineTool.run(["embed", "--model-dir", Self.clipFolder.path, "a dog"], environment: env)
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("--model-dir needs --model"))

        // A folder of another pack names what is missing.
        let wrong = try CommandLineTool.run(["embed", "--model", "clip-vit-b32", "--model-dir",
                                             TestPaths.fixture("audio").path, "a dog"], environment: env)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("is not a clip-vit-b32 model folder"))
    }

    @Test func theModelsCommandListsEveryPackAndHowToFetchIt() throws {
        let scratch = try ScratchDirectory("models-cli")
        let env = ["MMSEARCH_MODELS": scratch.path("models").path, "MMSEARCH_INDEX": scratch.path("index").path]
        let out = try CommandLineTool.run(["models"], environment: env)
        #expect(out.status == 0, "\(out.stderr)")
        for line in ["Scripts/fetch/models.py lite", "Scripts/fetch/models.py clip", "Scripts/fetch/models.py clap",
                     "default: lite (no pack's weights are present)"] {
            #expect(out.stdout.contains(line), "missing \(line) in:\n\(out.stdout)")
        }
        let json = try CommandLineTool.run(["models", "--json"], environment: env)
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let packs = doc?["packs"] as? [[String: Any]] ?? []
        #expect(packs.compactMap { $0["name"] as? String } == ["lite", "clip-vit-b32", "clap-htsat"])
        #expect(packs.allSatisfy { ($0["present"] as? Bool) == false })
    }
}
