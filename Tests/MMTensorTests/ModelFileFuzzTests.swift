import Foundation
import MMTensor
import MMTestSupport
import Testing

/// Model files are untrusted input (issue 9): the runtime's parsers (safetensors headers, BPE
/// vocabularies and merges, the config machinery) under thousands of seeded mutations of real
/// fixture files. Each load must succeed or throw a `WeightsError` naming the file; a trap
/// stops the test process and `ModelFileFuzzing` prints the case that caused it.
@Suite(.serialized)
struct ModelFileFuzzTests {
    /// A small safetensors file: every floating dtype, an integer tensor, a scalar, an empty
    /// tensor and metadata.
    static func smallSafeTensors() throws -> Data {
        let dir = try TestPaths.temporaryDirectory("mmtensor-fuzz-seed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        let floats: [Float] = [1, -2, 0.5, 3]
        let bytes = floats.withUnsafeBytes { Data($0) }
        try SafeTensorsWriter.write([
            SafeTensorsWriter.Entry(name: "a.weight", dtype: "F32", shape: [2, 2], bytes: bytes),
            SafeTensorsWriter.Entry(name: "b", dtype: "F16", shape: [4], bytes: Data(repeating: 0x3C, count: 8)),
            SafeTensorsWriter.Entry(name: "c", dtype: "BF16", shape: [2, 1], bytes: Data(repeating: 0x3F, count: 4)),
            SafeTensorsWriter.Entry(name: "ids", dtype: "I64", shape: [1, 2], bytes: Data(count: 16)),
            SafeTensorsWriter.Entry(name: "scale", dtype: "F32", shape: [], bytes: bytes.prefix(4)),
            SafeTensorsWriter.Entry(name: "empty", dtype: "F32", shape: [0, 3], bytes: Data()),
        ], to: url)
        // The writer writes no metadata: add some to the header.
        let file = [UInt8](try Data(contentsOf: url))
        var length = 0
        for b in file[0..<8].reversed() { length = length << 8 | Int(b) }
        guard case .object(let members) = try JSONValue(parsing: Data(file[8..<(8 + length)])) else {
            throw SetupError("the writer's header is not an object")
        }
        let metadata = JSONValue.Member("__metadata__", .object([JSONValue.Member("format", .string("pt"))]))
        var header = [UInt8](JSONValue.object([metadata] + members).data)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
        out += header
        out += file[(8 + length)...]
        return Data(out)
    }

    /// Opens a safetensors file and reads every floating tensor.
    static func readAll(_ url: URL) throws {
        let file = try SafeTensors(url: url)
        for name in file.tensors.keys.sorted() where [.f32, .f16, .bf16, .f64].contains(file.tensors[name]!.dtype) {
            _ = try file.floats(name)
        }
    }

    @Test func safetensorsHeadersAreRefusedOrReadNeverTrap() throws {
        let small = try Self.smallSafeTensors()
        let tiny = try Data(contentsOf: TestPaths.fixture("clip/tiny/model.safetensors"))
        for (name, seed, cases) in [("safetensors (small)", small, 10000), ("safetensors (tiny CLIP)", tiny, 600)] {
            let folder = try FuzzFolder("mmtensor-fuzz", seeds: [("model.safetensors", .safetensors(seed))])
            let report = try ModelFileFuzzing.run(name, cases: ModelFileFuzzing.cases(cases), refusals: WeightsError.self,
                                                  make: { rng in
                let (what, data) = SafeTensorsMutations.mutate(seed, &rng)
                return (what, data)
            }, load: { data in
                try folder.with("model.safetensors", data) { try Self.readAll($0.appendingPathComponent("model.safetensors")) }
            })
            #expect(report.problems(someMustLoad: false).isEmpty, "\(report.problems(someMustLoad: false))")
        }
    }

    @Test func bytePairVocabulariesAndMergesAreRefusedOrReadNeverTrap() throws {
        let tiny = TestPaths.fixture("clip/tiny")
        let folder = try FuzzFolder("mmtensor-fuzz-bpe", seeds: [
            ("vocab.json", try SeedFile(contentsOf: tiny.appendingPathComponent("vocab.json"))),
            ("merges.txt", try SeedFile(contentsOf: tiny.appendingPathComponent("merges.txt"))),
        ])
        let report = try folder.fuzz("BPE vocab.json + merges.txt", cases: 5000, refusals: WeightsError.self) { dir, _ in
            let vocabulary = try BytePairEncoding.readVocabulary(dir.appendingPathComponent("vocab.json"))
            let merges = try BytePairEncoding.readMerges(dir.appendingPathComponent("merges.txt"))
            let bpe = try BytePairEncoding(vocabulary: vocabulary, merges: merges, unknownID: vocabulary["<|endoftext|>"],
                                           endOfWordSuffix: "</w>", mergesFile: "merges.txt")
            try BytePairEncoding.requireByteSymbols(in: vocabulary, endOfWordSuffix: "</w>", file: "vocab.json")
            let largest = BytePairEncoding.largestID(of: vocabulary, file: "vocab.json")
            var ids: [Int32] = []
            for word in ["a", "photo", "of", "dogs", "ü", "🙂", "\u{0}"] { bpe.encode(Array(word.utf8), into: &ids) }
            #expect(ids.allSatisfy { $0 >= 0 && $0 <= largest.id })
        }
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    /// A config of the shape the packs' configs have: nested sections with defaults, a value
    /// normalised from two forms, checks by `ConfigCheck`.
    struct SampleConfig: ConfigFile, Equatable {
        struct Tower: ConfigSection, Equatable {
            var hidden_size = 64
            var num_hidden_layers = 2
            var num_attention_heads = 4
            var layer_norm_eps = 1e-5
            var hidden_act = "quick_gelu"
            var patch_size = 8
            init() {}

            static func normalize(_ object: inout [String: Any]) throws {
                guard let list = object["patch_size"] as? [Int] else { return }
                guard let first = list.first, list.allSatisfy({ $0 == first }) else {
                    throw ConfigValueError(key: "patch_size", "only square patches are supported, not \(list)")
                }
                object["patch_size"] = first
            }
        }

        var text_config = Tower()
        var vision_config = Tower()
        var projection_dim = 32
        init() {}

        static let kind = "sample config.json"
        static var nestedSections: [String: any ConfigSection.Type] { ["text_config": Tower.self, "vision_config": Tower.self] }

        func validate(file: String) throws {
            for (name, tower) in [("text_config", text_config), ("vision_config", vision_config)] {
                try ConfigCheck.counts(["hidden_size": (tower.hidden_size, ModelLimits.width),
                                        "num_hidden_layers": (tower.num_hidden_layers, ModelLimits.layers),
                                        "num_attention_heads": (tower.num_attention_heads, ModelLimits.heads),
                                        "patch_size": (tower.patch_size, ModelLimits.kernel)], in: name, file: file)
                try ConfigCheck.value(tower.layer_norm_eps, above: 0, atMost: 1, key: "layer_norm_eps", in: name, file: file)
                _ = try HiddenActivation(tower.hidden_act, key: "\(name): hidden_act", file: file, supported: [.quickGELU, .gelu])
            }
            try ConfigCheck.count(projection_dim, atMost: ModelLimits.width, key: "projection_dim", file: file)
        }
    }

    @Test func configFilesAreRefusedOrReadNeverTrap() throws {
        let folder = try FuzzFolder("mmtensor-fuzz-config", seeds: [
            ("config.json", try SeedFile(contentsOf: TestPaths.fixture("clip/tiny/config.json"))),
        ])
        #expect(try SampleConfig.load(folder.url.appendingPathComponent("config.json")).text_config.hidden_size == 64)
        let report = try folder.fuzz("ConfigFile (CLIP-shaped config.json)", cases: 8000, refusals: WeightsError.self) { dir, file in
            _ = try SampleConfig.load(dir.appendingPathComponent(file))
        }
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    // MARK: - The checks themselves

    @Test func tokenIDsMustBeNonNegativeInt32sBelowTheVocabularyLimit() throws {
        #expect(try TokenID.checked(0, key: "k", file: "f") == 0)
        #expect(try TokenID.checked(ModelLimits.vocabulary - 1, key: "k", file: "f") == Int32(ModelLimits.vocabulary - 1))
        for id in [-1, ModelLimits.vocabulary, Int(Int32.max) + 1, Int.max, Int.min] {
            #expect(throws: WeightsError("tokenizer.json", "model.vocab \"x\" has id \(id), outside 0…4194303")) {
                try TokenID.checked(id, key: "model.vocab \"x\"", file: "tokenizer.json")
            }
        }
        var largest = LargestTokenID(file: "tokenizer.json")
        largest.note(5, key: "model.vocab \"a\"")
        largest.note(30522, key: "added_tokens[4] \"[MASK]\"")
        largest.note(7, key: "model.vocab \"b\"")
        try largest.check(rows: 30523, configFile: "config.json", configKey: "vocab_size")
        #expect(throws: WeightsError("tokenizer.json", "added_tokens[4] \"[MASK]\" has id 30522, but config.json's vocab_size is 30522")) {
            try largest.check(rows: 30522, configFile: "config.json", configKey: "vocab_size")
        }
    }

    @Test func configChecksNameTheFileSectionAndKey() throws {
        #expect(throws: WeightsError("config.json", "text_config: num_hidden_layers -1 must be positive")) {
            try ConfigCheck.counts(["hidden_size": (64, 100), "num_hidden_layers": (-1, 100)], in: "text_config", file: "config.json")
        }
        #expect(throws: WeightsError("config.json", "hidden_size 65537 is more than 65536, the largest accepted")) {
            try ConfigCheck.count(65537, atMost: ModelLimits.width, key: "hidden_size", file: "config.json")
        }
        #expect(throws: WeightsError("config.json", "text_config: eos_token_id 99 is outside 0…98")) {
            try ConfigCheck.value(99, in: 0...98, key: "eos_token_id", in: "text_config", file: "config.json")
        }
        #expect(throws: WeightsError("config.json", "layer_norm_eps 0.0 is outside (0.0, 1.0]")) {
            try ConfigCheck.value(0, above: 0, atMost: 1, key: "layer_norm_eps", file: "config.json")
        }
        try ConfigCheck.activation(ModelLimits.activation, "8192 tokens × 4096", file: "config.json")
        #expect(throws: WeightsError("config.json", "8193 tokens × 4096 is 33558528 floats for one input, more than 33554432, the largest accepted")) {
            try ConfigCheck.activation(8193 * 4096, "8193 tokens × 4096", file: "config.json")
        }
    }

    @Test func aByteLevelVocabularyNeedsEveryByteSymbol() throws {
        var vocabulary: [String: Int32] = [:]
        for (i, symbol) in BytePairEncoding.byteSymbols.enumerated() { vocabulary[String(symbol)] = Int32(i) }
        try BytePairEncoding.requireByteSymbols(in: vocabulary, file: "vocab.json")
        #expect(throws: WeightsError("vocab.json", "byte 0x0 has no token \"Ā</w>\": a byte-level BPE vocabulary needs all 256 byte symbols, with and without </w>")) {
            try BytePairEncoding.requireByteSymbols(in: vocabulary, endOfWordSuffix: "</w>", file: "vocab.json")
        }
        vocabulary["Ā"] = nil
        #expect(throws: WeightsError("vocab.json", "byte 0x0 has no token \"Ā\": a byte-level BPE vocabulary needs all 256 byte symbols")) {
            try BytePairEncoding.requireByteSymbols(in: vocabulary, file: "vocab.json")
        }
    }

    @Test func aTensorTooLargeOrNotFloatingIsRefusedBeforeItIsRead() throws {
        let dir = try TestPaths.temporaryDirectory("mmtensor-huge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        // 2^30 + 1 one-byte values, as a sparse file: the header is consistent, only reading
        // would need 4 GiB.
        try SafeTensorsWriter.write([SafeTensorsWriter.Entry(name: "w", dtype: "BF16", shape: [ModelLimits.tensorElements + 1],
                                                             bytes: nil)], to: url, sparse: true)
        let file = try SafeTensors(url: url)
        #expect(throws: WeightsError("model.safetensors", "tensor 'w' has 1073741825 elements, more than 1073741824, the largest read")) {
            try file.floats("w")
        }
    }
}
