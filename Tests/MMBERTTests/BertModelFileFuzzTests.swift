import Foundation
import MMBERT
import MMTensor
import MMTestSupport
import Testing

/// Model files are untrusted input (issue 9), for the BERT family: `tokenizer.json`,
/// `config.json`, `sentence_bert_config.json`, `1_Pooling/config.json` and `model.safetensors`
/// under seeded mutations (`ModelFileFuzzing`), and the crashes and silent garbage the hostile
/// test campaign found, each now an error naming the file and the key.
///
/// The seeds: all-MiniLM-L6-v2's real `config.json` and `tokenizer.json` (the `lite` pack), and
/// a tiny BERT folder made here from them: the tokenizer cut to its first 2000 ids, a config of
/// width 8 with 2 layers, and seeded random weights of those shapes.
@Suite(.serialized)
struct BertModelFileFuzzTests {
    static let vocabularySize = 2000

    static func liteFile(_ name: String) throws -> URL { try TestPaths.litePack("all-MiniLM-L6-v2/\(name)") }

    /// MiniLM's `tokenizer.json` with only the ids below `vocabularySize` in `model.vocab`
    /// (the special tokens, the unused ones, then single characters).
    static let smallTokenizer = Result { () throws -> JSONValue in
        let full = try JSONValue(parsing: Data(contentsOf: liteFile("tokenizer.json")))
        guard case .object(var members) = full, let m = members.firstIndex(where: { $0.key == "model" }),
              case .object(var model) = members[m].value, let v = model.firstIndex(where: { $0.key == "vocab" }),
              case .object(let vocab) = model[v].value else {
            throw SetupError("tokenizer.json has no model.vocab")
        }
        model[v].value = .object(vocab.filter { member in
            if case .number(let id) = member.value, let n = Int(id) { return n < vocabularySize }
            return false
        })
        members[m].value = .object(model)
        return .object(members)
    }

    static let tinyConfig = """
        {"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.1, "hidden_size": 8, "initializer_range": 0.02, "intermediate_size": 16,
         "layer_norm_eps": 1e-12, "max_position_embeddings": 16, "model_type": "bert", "num_attention_heads": 2,
         "num_hidden_layers": 2, "pad_token_id": 0, "position_embedding_type": "absolute", "type_vocab_size": 2,
         "vocab_size": \(vocabularySize)}
        """

    /// Weights of `tinyConfig`'s shapes, seeded.
    static func tinyWeights() throws -> Data {
        var rng = SeededRandom(seed: 9)
        let h = 8, inner = 16
        typealias W = SafeTensorsWriter
        var entries = [
            W.random("embeddings.word_embeddings.weight", [vocabularySize, h], &rng),
            W.random("embeddings.position_embeddings.weight", [16, h], &rng),
            W.random("embeddings.token_type_embeddings.weight", [2, h], &rng),
            W.floats("embeddings.LayerNorm.weight", [h], .init(repeating: 1, count: h)),
            W.floats("embeddings.LayerNorm.bias", [h], .init(repeating: 0, count: h)),
        ]
        for layer in 0..<2 {
            let p = "encoder.layer.\(layer)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                entries += [W.random(p + name + ".weight", [h, h], &rng), W.random(p + name + ".bias", [h], &rng)]
            }
            entries += [W.random(p + "intermediate.dense.weight", [inner, h], &rng), W.random(p + "intermediate.dense.bias", [inner], &rng),
                        W.random(p + "output.dense.weight", [h, inner], &rng), W.random(p + "output.dense.bias", [h], &rng)]
            for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
                entries += [W.floats(p + norm + ".weight", [h], .init(repeating: 1, count: h)),
                            W.floats(p + norm + ".bias", [h], .init(repeating: 0, count: h))]
            }
        }
        return try W.data(entries)
    }

    /// The tiny sentence-transformers folder, every file a seed.
    static func tinyFolder(_ label: String) throws -> FuzzFolder {
        try FuzzFolder(label, seeds: [
            ("config.json", .json(try JSONValue(parsing: Data(tinyConfig.utf8)))),
            ("tokenizer.json", .json(try smallTokenizer.get())),
            ("sentence_bert_config.json", .json(try JSONValue(parsing: Data(#"{"max_seq_length": 16, "do_lower_case": false}"#.utf8)))),
            ("1_Pooling/config.json", .json(try JSONValue(parsing: Data(#"{"word_embedding_dimension": 8, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}"#.utf8)))),
            ("model.safetensors", .safetensors(try tinyWeights())),
        ])
    }

    static let texts = ["a dog", "[CLS] a [MASK] dog [SEP]", "Ünïcödé 中文 text", String(repeating: "supercalifragilistic", count: 8),
                        "", "a\u{0}b\u{FFFD}c", "xqzj wvk"]

    /// Encodes the texts: every id must be one the tokenizer said it could produce.
    static func encodeAll(_ tokenizer: WordPieceTokenizer) {
        for text in texts {
            let ids = tokenizer.encode(text)
            #expect(ids.count >= 2 && ids.count <= tokenizer.maxLength)
            #expect(ids.allSatisfy { $0 >= 0 && $0 <= tokenizer.largestID.id }, "\(text.debugDescription): \(ids)")
        }
    }

    // MARK: - Fuzzing

    @Test func theTinySeedFolderLoadsAndEmbeds() throws {
        let folder = try Self.tinyFolder("mmbert-seed")
        let model = try SentenceTransformer(directory: folder.url)
        let vectors = model.encode(Self.texts)
        #expect(vectors.allSatisfy { $0.count == 8 && $0.allSatisfy(\.isFinite) })
    }

    @Test func wordPieceTokenizersAreRefusedOrLoadedNeverTrap() throws {
        let folder = try FuzzFolder("mmbert-fuzz-tokenizer", seeds: [("tokenizer.json", .json(try Self.smallTokenizer.get()))])
        let full = try FuzzFolder("mmbert-fuzz-tokenizer-full",
                                  seeds: [("tokenizer.json", try SeedFile(contentsOf: Self.liteFile("tokenizer.json")))])
        for (name, folder, cases) in [("WordPiece tokenizer.json (2000 ids)", folder, 2500),
                                      ("WordPiece tokenizer.json (MiniLM's)", full, 40)] {
            let report = try folder.fuzz(name, cases: cases, refusals: WeightsError.self) { dir, file in
                Self.encodeAll(try WordPieceTokenizer(contentsOf: dir.appendingPathComponent(file), maxLength: 64))
            }
            #expect(report.problems().isEmpty, "\(report.problems())")
        }
    }

    @Test func bertConfigsAreRefusedOrLoadedNeverTrap() throws {
        let folder = try FuzzFolder("mmbert-fuzz-config", seeds: [("config.json", try SeedFile(contentsOf: Self.liteFile("config.json")))])
        let report = try folder.fuzz("BERT config.json", cases: 10000, refusals: WeightsError.self) { dir, file in
            _ = try BertConfig.load(dir.appendingPathComponent(file))
        }
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    @Test func sentenceTransformerFoldersAreRefusedOrLoadedNeverTrap() throws {
        let folder = try Self.tinyFolder("mmbert-fuzz-folder")
        let report = try folder.fuzz("sentence-transformers folder (tiny BERT)", cases: 4000, refusals: WeightsError.self) { dir, _ in
            let model = try SentenceTransformer(directory: dir)
            Self.encodeAll(model.tokenizer)
            let vectors = model.encode(Self.texts)
            #expect(vectors.allSatisfy { $0.count == model.dimension })
        }
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    // MARK: - Issue 9's findings, each an error naming the file and the key

    /// The tiny folder with `file` replaced by the seed with `change` applied to its object.
    static func loadError(changing file: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        try tinyFolder("mmbert-regression").outcome(changing: file, change) { _ = try SentenceTransformer(directory: $0) }
    }

    static func changeVocab(_ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var model = object["model"] as! [String: Any]
        var vocab = model["vocab"] as! [String: Any]
        change(&vocab)
        model["vocab"] = vocab
        object["model"] = model
    }

    @Test func tokenIDsOutsideTheEmbeddingTableAreErrorsNamingTheKey() throws {
        // The ids were used as rows of the word embeddings: past its end, the forward pass trapped.
        #expect(try Self.loadError(changing: "tokenizer.json") { Self.changeVocab(&$0) { $0["dog"] = 2000 } }
                == "tokenizer.json: model.vocab \"dog\" has id 2000, but config.json's vocab_size is 2000")
        #expect(try Self.loadError(changing: "tokenizer.json") { object in
            var added = object["added_tokens"] as! [[String: Any]]
            added[4]["id"] = 5000
            object["added_tokens"] = added
        } == "tokenizer.json: added_tokens[4] \"[MASK]\" has id 5000, but config.json's vocab_size is 2000")
        #expect(try Self.loadError(changing: "tokenizer.json") { object in
            var post = object["post_processor"] as! [String: Any]
            post["special_tokens"] = ["[CLS]": ["id": "[CLS]", "ids": [30000], "tokens": ["[CLS]"]]]
            object["post_processor"] = post
        } == "tokenizer.json: post_processor.special_tokens \"[CLS]\" has id 30000, but config.json's vocab_size is 2000")
    }

    @Test func tokenIDsBeyondInt32AreErrorsNotTraps() throws {
        // Int32(id) trapped in the WordPiece tokenizer for ids of 2^31 and more.
        for id in [2_147_483_648, 9_223_372_036_854_775_807, -1] {
            #expect(try Self.loadError(changing: "tokenizer.json") { Self.changeVocab(&$0) { $0["dog"] = id } }
                    == "tokenizer.json: model.vocab \"dog\" has id \(id), outside 0…4194303")
        }
        #expect(try Self.loadError(changing: "tokenizer.json") { object in
            var added = object["added_tokens"] as! [[String: Any]]
            added[0]["id"] = 4_294_967_296
            object["added_tokens"] = added
        } == "tokenizer.json: added_tokens[0] \"[PAD]\" has id 4294967296, outside 0…4194303")
    }

    @Test func aNegativeOrZeroLayerCountIsAnErrorNamingTheKey() throws {
        // -1 trapped building the layers; 0 loaded a network that embeds nothing but the embeddings.
        #expect(try Self.loadError(changing: "config.json") { $0["num_hidden_layers"] = -1 }
                == "config.json: num_hidden_layers -1 must be positive")
        #expect(try Self.loadError(changing: "config.json") { $0["num_hidden_layers"] = 0 }
                == "config.json: num_hidden_layers 0 must be positive")
        #expect(try Self.loadError(changing: "config.json") { $0["num_hidden_layers"] = 1_000_000 }
                == "config.json: num_hidden_layers 1000000 is more than 1024, the largest accepted")
        #expect(try Self.loadError(changing: "config.json") { $0["num_attention_heads"] = 3 }
                == "config.json: hidden_size 8 is not a multiple of num_attention_heads 3")
        #expect(try Self.loadError(changing: "config.json") { $0["type_vocab_size"] = 0 }
                == "config.json: type_vocab_size 0 must be positive")
    }

    @Test func anEmptyVocabularyOrAWordLimitOfZeroIsAnErrorNotGarbage() throws {
        // Both loaded, and every text became [UNK]s.
        #expect(try Self.loadError(changing: "tokenizer.json") { Self.changeVocab(&$0) { $0 = [:] } }
                == "tokenizer.json: model.vocab is empty")
        #expect(try Self.loadError(changing: "tokenizer.json") { Self.changeVocab(&$0) { $0["[UNK]"] = nil } }
                == "tokenizer.json: model.unk_token \"[UNK]\" is not in model.vocab")
        for limit in [0, -5] {
            #expect(try Self.loadError(changing: "tokenizer.json") { object in
                var model = object["model"] as! [String: Any]
                model["max_input_chars_per_word"] = limit
                object["model"] = model
            } == "tokenizer.json: model.max_input_chars_per_word \(limit) must be positive")
        }
        // A greedy longest match over a word of 2^31 characters would never end.
        #expect(try Self.loadError(changing: "tokenizer.json") { object in
            var model = object["model"] as! [String: Any]
            model["max_input_chars_per_word"] = Int(Int32.max)
            object["model"] = model
        } == "tokenizer.json: model.max_input_chars_per_word 2147483647 is more than 1024, the largest accepted")
    }

    @Test func theSentenceTransformerFilesMustAgreeWithTheConfig() throws {
        #expect(try Self.loadError(changing: "1_Pooling/config.json") { $0["word_embedding_dimension"] = 384 }
                == "1_Pooling/config.json: word_embedding_dimension 384 is not config.json's hidden_size 8")
        #expect(try Self.loadError(changing: "sentence_bert_config.json") { $0["max_seq_length"] = 1 }
                == "sentence_bert_config.json: max_seq_length 1 leaves no room for [CLS] and [SEP]")
        #expect(try Self.loadError(changing: "sentence_bert_config.json") { $0["max_seq_length"] = -3 }
                == "sentence_bert_config.json: max_seq_length -3 must be positive")
        #expect(try Self.loadError(changing: "sentence_bert_config.json") { $0["max_seq_length"] = nil }
                == "sentence_bert_config.json: not a sentence-transformers configuration (max_seq_length: missing)")
    }

    /// Every crash and silent garbage found so far in this family's files, kept in the corpus
    /// (`Scripts/fixtures/make_model_file_corpus.py`): each is an error naming the file and the key.
    @Test func theCorpusOfFoundDamageIsRefusedNamingFileAndKey() throws {
        let entries = try ModelFileCorpus.entries("bert")
        #expect(!entries.isEmpty)
        for entry in entries {
            let error = try Self.loadError(changing: entry.file) { entry.apply(to: &$0) }
            #expect(error.hasPrefix(entry.file + ": ") && error.contains(entry.names), "\(entry): \(error)")
        }
    }
}
