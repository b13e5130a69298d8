import Foundation
import MMCLAP
import MMTensor
import MMTestSupport
import Testing

/// Loading: the real laion/clap-htsat-unfused layout, configs, and checkpoints with a tensor
/// missing or mis-shaped.
@Suite(.serialized)
struct ClapCheckpointTests {
    /// A copy of the tiny model directory whose `model.safetensors` is `entries`.
    static func tinyCopy(_ entries: [SafeTensorsWriter.Entry]) throws -> URL {
        let files = ["config.json", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
                     "preprocessor_config.json"]
        return try SafeTensorsWriter.modelCopy(of: ClapFixtures.tinyDirectory, files: files, entries: entries,
                                               label: "mmclap-tiny")
    }

    static func loadError(_ directory: URL) -> String {
        loadOutcome { _ = try ClapModel.load(directory: directory) }
    }

    static func tinyEntries() throws -> [SafeTensorsWriter.Entry] {
        try SafeTensorsWriter.entries(of: ClapFixtures.tinyDirectory.appendingPathComponent("model.safetensors"))
    }

    @Test func loaderAcceptsTheRealHTSATUnfusedLayout() throws {
        let layout = try TestPaths.json(CheckpointLayout.self, "clap/htsat-unfused-layout.json")
        #expect(layout.parameter_count > 150_000_000)
        #expect(layout.tensors.contains { $0.name == "audio_model.audio_encoder.layers.2.blocks.5.attention.self.relative_position_bias_table" })
        let dir = try ClapFixtures.temporaryDirectory("unfused")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The config exactly as the fixture script got it from transformers' ClapConfig().
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("clap/htsat-unfused-layout.json")))
        let config = try #require((fixture as? [String: Any])?["config"])
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        // RoBERTa's special tokens at their real ids; the tiny merges stand in for the real ones.
        var vocabulary = try JSONDecoder().decode([String: Int].self,
                                                  from: Data(contentsOf: ClapFixtures.tinyDirectory.appendingPathComponent("vocab.json")))
        vocabulary["<mask>"] = 50264
        try JSONSerialization.data(withJSONObject: vocabulary).write(to: dir.appendingPathComponent("vocab.json"))
        for name in ["merges.txt", "preprocessor_config.json"] {
            try FileManager.default.copyItem(at: ClapFixtures.tinyDirectory.appendingPathComponent(name),
                                             to: dir.appendingPathComponent(name))
        }
        // Every tensor with its real name, shape and dtype (zeros, in a sparse file), the int64
        // buffers (position ids, relative position indices, batch counts) included.
        let entries = layout.tensors.map { SafeTensorsWriter.Entry(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: nil) }
        try SafeTensorsWriter.write(entries, to: dir.appendingPathComponent("model.safetensors"), sparse: true)

        let model = try ClapModel.load(directory: dir)
        #expect(model.config == ClapConfig(), "transformers' default config is laion/clap-htsat-unfused's")
        #expect(model.dimension == 512)
        #expect(model.tokenizer.maxLength == 512)
        #expect(model.featureExtractor.config == .unfused)
        // Full-size forward passes run on the real geometry (zero weights give zero vectors).
        let text = try model.embed(texts: ["a dog barking"])
        #expect(text[0].count == 512 && text[0].allSatisfy { $0 == 0 })
        let start = Date()
        let audio = try model.embed(audio48k: [(0..<96_000).map { sin(Float($0) * 0.05) * 0.3 }])
        print("CLAP HTSAT-base, one 10 s clip (features + forward): \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        #expect(audio[0].count == 512 && audio[0].allSatisfy { $0 == 0 })
    }

    @Test func everyMissingTensorIsAnErrorNamingIt() throws {
        let entries = try Self.tinyEntries()
        let floats = entries.filter { $0.dtype == "F32" }
        #expect(floats.count > 150)
        for missing in floats {
            let dir = try Self.tinyCopy(entries.filter { $0.name != missing.name })
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(Self.loadError(dir) == "model.safetensors: tensor '\(missing.name)' is missing")
        }
    }

    @Test func integerBuffersAreNotNeeded() throws {
        let dir = try Self.tinyCopy(try Self.tinyEntries().filter { $0.dtype == "F32" })
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(Self.loadError(dir) == "loaded")
    }

    @Test func everyMisShapedTensorIsAnErrorNamingIt() throws {
        let entries = try Self.tinyEntries()
        for (i, entry) in entries.enumerated() where entry.dtype == "F32" {
            // The same bytes under another shape: flattened, or with a leading 1.
            let shape = entry.shape.count >= 2 ? [entry.shape.reduce(1, *)] : [1] + entry.shape
            var changed = entries
            changed[i] = SafeTensorsWriter.Entry(name: entry.name, dtype: entry.dtype, shape: shape, bytes: entry.bytes)
            let dir = try Self.tinyCopy(changed)
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(Self.loadError(dir) == "model.safetensors: tensor '\(entry.name)' has shape \(shape), expected \(entry.shape)")
        }
    }

    @Test func configKeysLeftOutTakeTransformersDefaults() throws {
        let dir = try ClapFixtures.temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("config.json")
        try "{}".write(to: url, atomically: true, encoding: .utf8)
        #expect(try ClapConfig.load(url) == ClapConfig())
        // laion/clap-htsat-unfused's own file: only values equal to the defaults, and keys
        // transformers no longer reads.
        try #"{"architectures": ["ClapModel"], "audio_config": {"fusion_num_hidden_layers": 2, "model_type": "clap_audio_model", "projection_hidden_size": 768}, "hidden_size": 768, "initializer_factor": 1.0, "logit_scale_init_value": 14.285714285714285, "model_type": "clap", "num_hidden_layers": 16, "projection_dim": 512, "projection_hidden_act": "relu", "text_config": {"classifier_dropout": null, "fusion_hidden_size": 768, "fusion_num_hidden_layers": 2, "initializer_range": 0.02, "model_type": "clap_text_model", "projection_hidden_size": 768}}"#
            .write(to: url, atomically: true, encoding: .utf8)
        #expect(try ClapConfig.load(url) == ClapConfig())
        try #"{"audio_config": {"patch_stride": [4, 4], "patch_size": [4, 4]}}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(try ClapConfig.load(url).audio_config.patch_stride == 4)
    }

    @Test func badConfigsAreErrorsNamingTheFileAndKey() throws {
        let dir = try ClapFixtures.temporaryDirectory("badconfig")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("config.json")
        func expectError(_ json: String, _ reason: String) throws {
            try json.write(to: url, atomically: true, encoding: .utf8)
            #expect(throws: WeightsError("config.json", reason)) { try ClapConfig.load(url) }
        }
        try expectError(#"{"audio_config": {"enable_fusion": true}}"#,
                        "audio_config: enable_fusion true (the fused model) is not supported")
        try expectError(#"{"audio_config": {"window_size": 16}}"#,
                        "audio_config: stage 3: the 8x8 grid is smaller than window_size 16")
        try expectError(#"{"audio_config": {"hidden_size": 512}}"#,
                        "audio_config: hidden_size 512 is not patch_embeds_hidden_size 96 · 2^3")
        try expectError(#"{"text_config": {"hidden_act": "swish"}}"#,
                        "text_config: hidden_act swish is not supported (gelu or relu)")
        try expectError(#"{"text_config": {"hidden_size": 100}}"#,
                        "text_config: hidden_size 100 is not a multiple of num_attention_heads 12")
        try expectError("not json", "not a CLAP config.json: not a JSON object")
        try #"{"text_config": {"hidden_size": "wide"}}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError.self) { try ClapConfig.load(url) }
    }
}
