import Foundation
import MMCLAP
import MMTensor
import MMTestSupport
import Testing

/// Model files are untrusted input (issue 9), for CLAP: the tiny fixture model's `config.json`,
/// `preprocessor_config.json`, tokenizer files (`vocab.json`, `merges.txt`, `tokenizer.json`,
/// `tokenizer_config.json`) and `model.safetensors` under seeded mutations
/// (`ModelFileFuzzing`); whatever loads must then embed a text and a sound.
@Suite(.serialized)
struct ClapModelFileFuzzTests {
    static let files = ["config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "tokenizer.json",
                        "tokenizer_config.json", "model.safetensors"]

    static func tinyFolder(_ label: String, _ names: [String] = files) throws -> FuzzFolder {
        try FuzzFolder(label, seeds: try names.map { ($0, try SeedFile(contentsOf: ClapFixtures.tinyDirectory.appendingPathComponent($0))) })
    }

    static let texts = ["a dog barking", "<s></s><pad><mask>", "", String(repeating: "rain ", count: 600), "Ünïcödé 中文 🙂"]
    /// 0.1 s of a tone at 48 kHz.
    static let clip = (0..<4800).map { sin(Float($0) * 0.05) * 0.3 }

    static func run(_ name: String, _ folder: FuzzFolder, cases: Int, weights: [String: Int]? = nil,
                    load: @escaping (URL) throws -> Void) throws {
        let report = try folder.fuzz(name, cases: cases, weights: weights, refusals: WeightsError.self, load: { dir, _ in try load(dir) })
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    @Test func configsAreRefusedOrLoadedNeverTrap() throws {
        try Self.run("CLAP config.json", try Self.tinyFolder("mmclap-fuzz-config", ["config.json"]), cases: 8000) {
            _ = try ClapConfig.load($0.appendingPathComponent("config.json"))
        }
    }

    @Test func featureExtractorConfigsAreRefusedOrLoadedAndRunNeverTrap() throws {
        try Self.run("CLAP preprocessor_config.json", try Self.tinyFolder("mmclap-fuzz-pre", ["preprocessor_config.json"]),
                     cases: 1000) { dir in
            let extractor = try ClapFeatureExtractor(config: ClapFeatureExtractorConfig.load(dir.appendingPathComponent("preprocessor_config.json")))
            let features = try extractor.features(Self.clip)
            #expect(features.count == extractor.featureCount)
        }
    }

    @Test func tokenizerFilesAreRefusedOrLoadedNeverTrap() throws {
        try Self.run("CLAP tokenizer files", try Self.tinyFolder("mmclap-fuzz-tok", ["vocab.json", "merges.txt", "tokenizer.json",
                                                                                     "tokenizer_config.json"]),
                     cases: 2000) { dir in
            let tokenizer = try ClapTokenizer(directory: dir)
            for text in Self.texts {
                let ids = tokenizer.encode(text)
                #expect(ids.count >= 2 && ids.count <= tokenizer.maxLength && ids.allSatisfy { $0 >= 0 && $0 <= tokenizer.largestID.id })
            }
        }
    }

    @Test func modelFoldersAreRefusedOrLoadedAndEmbedNeverTrap() throws {
        try Self.run("CLAP folder (tiny)", try Self.tinyFolder("mmclap-fuzz-folder"), cases: 600,
                     weights: ["config.json": 4, "preprocessor_config.json": 2, "vocab.json": 1, "merges.txt": 1,
                               "tokenizer.json": 1, "tokenizer_config.json": 1, "model.safetensors": 1]) { dir in
            let model = try ClapModel.load(directory: dir)
            let vectors = try model.embed(texts: Self.texts) + model.embed(audio48k: [Self.clip])
            #expect(vectors.allSatisfy { $0.count == model.dimension })
        }
    }

    // MARK: - Checks across files

    static func loadError(changing file: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        try tinyFolder("mmclap-regression").outcome(changing: file, change) { _ = try ClapModel.load(directory: $0) }
    }

    static func change(_ object: inout [String: Any], _ section: String, _ key: String, _ value: Any) {
        var inner = object[section] as! [String: Any]
        inner[key] = value
        object[section] = inner
    }

    @Test func sizesThatOverflowOrDivideByZeroAreErrorsNamingTheKey() throws {
        // 1 << 20 stages was 0: `gridSize % 0` trapped.
        #expect(try Self.loadError(changing: "config.json") { Self.change(&$0, "audio_config", "depths", [Int](repeating: 1, count: 70)) }
                == "config.json: audio_config: depths [\((0..<70).map { _ in "1" }.joined(separator: ", "))] and num_attention_heads [1, 2, 2, 4] must be positive and as many")
        #expect(try Self.loadError(changing: "config.json") { object in
            Self.change(&object, "audio_config", "depths", [Int](repeating: 1, count: 70))
            Self.change(&object, "audio_config", "num_attention_heads", [Int](repeating: 1, count: 70))
        } == "config.json: audio_config: depths: 70 stages are more than 16, the largest accepted")
        // int(mlp_ratio · channels) trapped converting to Int.
        #expect(try Self.loadError(changing: "config.json") { Self.change(&$0, "audio_config", "mlp_ratio", 1e300) }
                == "config.json: audio_config: mlp_ratio 1e+300 is outside (0.0, 64.0]")
        // max_length_s · sampling_rate overflowed.
        #expect(try Self.loadError(changing: "preprocessor_config.json") { $0["sampling_rate"] = 4_611_686_018_427_387_904 }
                == "preprocessor_config.json: preprocessor: sampling_rate 4611686018427387904 is more than 192000, the largest accepted")
        #expect(try Self.loadError(changing: "config.json") { Self.change(&$0, "text_config", "num_hidden_layers", -1) }
                == "config.json: text_config: num_hidden_layers -1 must be positive")
    }

    @Test func idsThatDisagreeAcrossFilesAreErrorsNamingTheKey() throws {
        #expect(try Self.loadError(changing: "tokenizer.json") { object in
            var added = object["added_tokens"] as! [[String: Any]]
            added[4]["id"] = 1200
            object["added_tokens"] = added
        } == "tokenizer.json: added_tokens[4] \"<mask>\" has id 1200, but config.json's text_config.vocab_size is 1200")
        #expect(try Self.loadError(changing: "tokenizer.json") { object in
            var added = object["added_tokens"] as! [[String: Any]]
            added[1]["id"] = -1
            object["added_tokens"] = added
        } == "tokenizer.json: added_tokens[1] \"<pad>\" has id -1, outside 0…4194303")
        #expect(try Self.loadError(changing: "config.json") { Self.change(&$0, "text_config", "pad_token_id", 5000) }
                == "config.json: text_config: pad_token_id 5000 leaves no positions of 514")
        #expect(try Self.loadError(changing: "config.json") { Self.change(&$0, "text_config", "eos_token_id", 1200) }
                == "config.json: text_config: eos_token_id 1200 is outside 0…1199")
        #expect(try Self.loadError(changing: "tokenizer_config.json") { $0["model_max_length"] = 1 }
                == "tokenizer_config.json: model_max_length 1 leaves no room for <s> and </s>")
    }

    @Test func melFiltersThatCoverNoFrequencyAreAnErrorNotGarbage() throws {
        // 64 mel bins over the 17 FFT bins of a 32-sample window: most filters see no bin, and
        // their features were the floor for every sound.
        #expect(try Self.loadError(changing: "preprocessor_config.json") { $0["fft_window_size"] = 32 }
                .hasPrefix("preprocessor_config.json: feature_size 64: mel filter "))
    }

    /// Every crash and silent garbage found so far in this family's files, kept in the corpus
    /// (`Scripts/fixtures/make_model_file_corpus.py`): each is an error naming the file and the key.
    @Test func theCorpusOfFoundDamageIsRefusedNamingFileAndKey() throws {
        let entries = try ModelFileCorpus.entries("clap")
        #expect(!entries.isEmpty)
        for entry in entries {
            let error = try Self.loadError(changing: entry.file) { entry.apply(to: &$0) }
            #expect(error.hasPrefix(entry.file + ": ") && error.contains(entry.names), "\(entry): \(error)")
        }
    }
}
