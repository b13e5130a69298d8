import Foundation
import MMCLIP
import MMMedia
import MMTensor
import MMTestSupport
import Testing

/// Model files are untrusted input (issue 9), for CLIP: the tiny fixture model's `config.json`,
/// `preprocessor_config.json`, `vocab.json` + `merges.txt` and `model.safetensors` under seeded
/// mutations (`ModelFileFuzzing`); whatever loads must then embed a text and an image.
@Suite(.serialized)
struct CLIPModelFileFuzzTests {
    static let files = ["config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "model.safetensors"]

    static func tinyFolder(_ label: String, _ names: [String] = files) throws -> FuzzFolder {
        try FuzzFolder(label, seeds: try names.map { ($0, try SeedFile(contentsOf: CLIPFixtures.tinyDirectory.appendingPathComponent($0))) })
    }

    static let texts = ["a photo of a cat", "<|startoftext|><|endoftext|>", "", String(repeating: "zebra ", count: 100),
                        "Ünïcödé 中文 🙂", "a\u{0}b"]
    static let image = RGBImage(width: 50, height: 37, pixels: (0..<(50 * 37 * 3)).map { UInt8(truncatingIfNeeded: $0 * 13) })

    static func run(_ name: String, _ folder: FuzzFolder, cases: Int, weights: [String: Int]? = nil,
                    load: @escaping (URL) throws -> Void) throws {
        let report = try folder.fuzz(name, cases: cases, weights: weights, refusals: WeightsError.self, load: { dir, _ in try load(dir) })
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    @Test func configsAreRefusedOrLoadedNeverTrap() throws {
        try Self.run("CLIP config.json", try Self.tinyFolder("mmclip-fuzz-config", ["config.json"]), cases: 8000) {
            _ = try CLIPConfig.load($0.appendingPathComponent("config.json"))
        }
    }

    @Test func preprocessorConfigsAreRefusedOrLoadedAndPreprocessNeverTrap() throws {
        try Self.run("CLIP preprocessor_config.json", try Self.tinyFolder("mmclip-fuzz-pre", ["preprocessor_config.json"]),
                     cases: 8000) { dir in
            let config = try CLIPImageProcessorConfig.load(dir.appendingPathComponent("preprocessor_config.json"))
            let pixels = try CLIPImagePreprocessor(config: config).pixelValues(Self.image)
            #expect(!pixels.isEmpty)
        }
    }

    @Test func tokenizerFilesAreRefusedOrLoadedNeverTrap() throws {
        try Self.run("CLIP vocab.json + merges.txt", try Self.tinyFolder("mmclip-fuzz-tok", ["vocab.json", "merges.txt"]),
                     cases: 5000) { dir in
            let tokenizer = try CLIPTokenizer(directory: dir)
            for text in Self.texts {
                let ids = tokenizer.encode(text)
                #expect(ids.count >= 2 && ids.count <= 77 && ids.allSatisfy { $0 >= 0 && $0 <= tokenizer.largestID.id })
            }
        }
    }

    @Test func modelFoldersAreRefusedOrLoadedAndEmbedNeverTrap() throws {
        // The weights are the most of the load's time; their mutations are the fewest here
        // (the safetensors parser has its own run in MMTensorTests).
        try Self.run("CLIP folder (tiny)", try Self.tinyFolder("mmclip-fuzz-folder"), cases: 3000,
                     weights: ["config.json": 3, "preprocessor_config.json": 2, "vocab.json": 2, "merges.txt": 2,
                               "model.safetensors": 1]) { dir in
            let model = try CLIPModel.load(directory: dir)
            let vectors = try model.embed(texts: Self.texts) + model.embed(images: [Self.image])
            #expect(vectors.allSatisfy { $0.count == model.dimension })
        }
    }

    // MARK: - Checks across files

    /// What loading the tiny folder says with `file`'s JSON object changed.
    static func loadError(changing file: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        try tinyFolder("mmclip-regression").outcome(changing: file, change) { _ = try CLIPModel.load(directory: $0) }
    }

    static func changeText(_ object: inout [String: Any], _ key: String, _ value: Any) {
        var text = object["text_config"] as! [String: Any]
        text[key] = value
        object["text_config"] = text
    }

    @Test func idsAndSizesThatDisagreeAcrossFilesAreErrorsNamingTheKey() throws {
        #expect(try Self.loadError(changing: "vocab.json") { $0["<|endoftext|>"] = 714 }
                == "vocab.json: token \"<|endoftext|>\" has id 714, but config.json's text_config.vocab_size is 714")
        // Pooling reads the first eos_token_id: one the tokenizer never writes pooled position 0.
        #expect(try Self.loadError(changing: "config.json") { Self.changeText(&$0, "eos_token_id", 5) }
                == "config.json: text_config: eos_token_id 5 is not vocab.json's <|endoftext|> id 713")
        #expect(try Self.loadError(changing: "config.json") { Self.changeText(&$0, "eos_token_id", 714) }
                == "config.json: text_config: eos_token_id 714 is outside 0…713")
        #expect(try Self.loadError(changing: "config.json") { Self.changeText(&$0, "num_hidden_layers", -1) }
                == "config.json: text_config: num_hidden_layers -1 must be positive")
        #expect(try Self.loadError(changing: "config.json") { Self.changeText(&$0, "max_position_embeddings", 1) }
                == "config.json: text_config: max_position_embeddings 1 leaves no room for <|startoftext|> and <|endoftext|>")
        #expect(try Self.loadError(changing: "config.json") { object in
            var vision = object["vision_config"] as! [String: Any]
            vision["image_size"] = 4096
            vision["patch_size"] = 1
            object["vision_config"] = vision
        } == "config.json: vision_config: image_size 4096 / patch_size 1 makes 16777217 tokens, more than 8192, the largest accepted")
        #expect(try Self.loadError(changing: "preprocessor_config.json") { $0["crop_size"] = 0 }
                == "preprocessor_config.json: crop_size must be positive")
        #expect(try Self.loadError(changing: "preprocessor_config.json") { $0["size"] = -1 }
                == "preprocessor_config.json: size must be positive")
    }

    @Test func aVocabularyWithoutTheByteSymbolsIsAnErrorNotGarbage() throws {
        // Loaded, and every character without its symbol became <|endoftext|>.
        #expect(try Self.loadError(changing: "vocab.json") { $0["Ā</w>"] = nil }
                == "vocab.json: byte 0x0 has no token \"Ā</w>\": a byte-level BPE vocabulary needs all 256 byte symbols, with and without </w>")
    }

    /// Every crash and silent garbage found so far in this family's files, kept in the corpus
    /// (`Scripts/fixtures/make_model_file_corpus.py`): each is an error naming the file and the key.
    @Test func theCorpusOfFoundDamageIsRefusedNamingFileAndKey() throws {
        let entries = try ModelFileCorpus.entries("clip")
        #expect(!entries.isEmpty)
        for entry in entries {
            let error = try Self.loadError(changing: entry.file) { entry.apply(to: &$0) }
            #expect(error.hasPrefix(entry.file + ": ") && error.contains(entry.names), "\(entry): \(error)")
        }
    }
}
