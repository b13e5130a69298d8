import Foundation
import MMCLIP
import MMMedia
import MMTensor
import MMTestSupport
import Testing

/// Loading: the real openai/clip-vit-base-patch32 layout, configs old and new, and checkpoints
/// with a tensor missing or mis-shaped.
@Suite(.serialized)
struct CLIPCheckpointTests {
    /// A copy of the tiny model directory whose `model.safetensors` is `entries`.
    static func tinyCopy(_ entries: [SafeTensorsWriter.Entry]) throws -> URL {
        let files = ["config.json", "vocab.json", "merges.txt", "preprocessor_config.json"]
        return try SafeTensorsWriter.modelCopy(of: CLIPFixtures.tinyDirectory, files: files, entries: entries,
                                               label: "mmclip-tiny")
    }

    static func loadError(_ directory: URL) -> String {
        loadOutcome { _ = try CLIPModel.load(directory: directory) }
    }

    @Test func loaderAcceptsTheRealViTB32Layout() throws {
        let layout = try TestPaths.json(CheckpointLayout.self, "clip/vit-b32-layout.json")
        #expect(layout.tensors.allSatisfy { $0.dtype == "F32" })
        #expect(layout.parameter_count > 150_000_000)
        let dir = try CLIPFixtures.temporaryDirectory("vitb32")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The config exactly as the fixture script got it from transformers' CLIPConfig().
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("clip/vit-b32-layout.json")))
        let config = try #require((fixture as? [String: Any])?["config"])
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: RealVocabulary.directory.get().appendingPathComponent(name),
                                             to: dir.appendingPathComponent(name))
        }
        // Every tensor with its real name, shape and dtype (zeros, in a sparse file); plus an
        // int64 buffer of the kind older exports carry, which the loader must ignore.
        let entries = layout.tensors.map { SafeTensorsWriter.Entry(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: nil) }
            + [SafeTensorsWriter.Entry(name: "text_model.embeddings.position_ids", dtype: "I64", shape: [1, 77], bytes: nil)]
        try SafeTensorsWriter.write(entries, to: dir.appendingPathComponent("model.safetensors"), sparse: true)

        let model = try CLIPModel.load(directory: dir)
        #expect(model.config == CLIPConfig(), "transformers' default config is ViT-B/32's")
        #expect(model.dimension == 512)
        #expect(model.visionModel.config.tokenCount == 50)
        #expect(model.preprocessor.outputSize?.width == 224)
        // Full-size forward passes run (zero weights give zero vectors).
        let text = try model.embed(texts: ["a photo of a cat"])
        let image = try model.embed(images: [RGBImage(width: 300, height: 200, pixels: [UInt8](repeating: 128, count: 180_000))])
        #expect(text[0].count == 512 && image[0].count == 512)
        #expect((text[0] + image[0]).allSatisfy { $0.isFinite })
    }

    @Test func everyMissingTensorIsAnErrorNamingIt() throws {
        let entries = try SafeTensorsWriter.entries(of: CLIPFixtures.tinyDirectory.appendingPathComponent("model.safetensors"))
        #expect(entries.count == 78)
        for (i, missing) in entries.enumerated() {
            var rest = entries
            rest.remove(at: i)
            let dir = try Self.tinyCopy(rest)
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(Self.loadError(dir) == "model.safetensors: tensor '\(missing.name)' is missing")
        }
    }

    @Test func everyMisShapedTensorIsAnErrorNamingIt() throws {
        let entries = try SafeTensorsWriter.entries(of: CLIPFixtures.tinyDirectory.appendingPathComponent("model.safetensors"))
        for (i, entry) in entries.enumerated() {
            // The same bytes under another shape: flattened, or with a leading 1.
            let shape = entry.shape.count >= 2 ? [entry.shape.reduce(1, *)] : [1] + entry.shape
            var changed = entries
            changed[i] = SafeTensorsWriter.Entry(name: entry.name, dtype: entry.dtype, shape: shape, bytes: entry.bytes)
            let dir = try Self.tinyCopy(changed)
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(Self.loadError(dir) == "model.safetensors: tensor '\(entry.name)' has shape \(shape), expected \(entry.shape)")
        }
    }

    @Test func halfPrecisionCheckpointsLoad() throws {
        // F16 weights widen exactly; the model built from them is the f32 model of those values.
        let entries = try SafeTensorsWriter.entries(of: CLIPFixtures.tinyDirectory.appendingPathComponent("model.safetensors"))
        let halves = entries.map { e -> SafeTensorsWriter.Entry in
            let floats = e.bytes!.withUnsafeBytes { raw in
                (0..<(raw.count / 4)).map { Float16(Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            return SafeTensorsWriter.Entry(name: e.name, dtype: "F16", shape: e.shape, bytes: floats.withUnsafeBytes { Data($0) })
        }
        let dir = try Self.tinyCopy(halves)
        defer { try? FileManager.default.removeItem(at: dir) }
        let half = try CLIPModel.load(directory: dir)
        let full = try CLIPFixtures.tiny.get()
        let d = maxAbsDifference(try half.embed(texts: ["a photo of a cat"])[0], try full.embed(texts: ["a photo of a cat"])[0])
        #expect(d > 0 && d < 0.05, "f16 rounding moves the embedding a little: \(d)")
    }

    @Test func configKeysLeftOutTakeTransformersDefaults() throws {
        let dir = try CLIPFixtures.temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("config.json")
        try "{}".write(to: url, atomically: true, encoding: .utf8)
        #expect(try CLIPConfig.load(url) == CLIPConfig())
        // Older exports: `text_config_dict` overrides `text_config`.
        try #"{"text_config": {"eos_token_id": 2, "hidden_size": 64, "num_attention_heads": 4}, "text_config_dict": {"eos_token_id": 49407}, "vision_config": {"patch_size": 16}}"#
            .write(to: url, atomically: true, encoding: .utf8)
        let config = try CLIPConfig.load(url)
        #expect(config.text_config.eos_token_id == 49407 && config.text_config.hidden_size == 64)
        #expect(config.vision_config.patch_size == 16 && config.vision_config.tokenCount == 197)
    }

    @Test func badConfigsAreErrorsNamingTheFileAndKey() throws {
        let dir = try CLIPFixtures.temporaryDirectory("badconfig")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("config.json")
        try #"{"vision_config": {"hidden_act": "relu"}}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("config.json", "vision_config: hidden_act relu is not supported (quick_gelu or gelu)")) {
            try CLIPConfig.load(url)
        }
        try #"{"vision_config": {"image_size": 225}}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("config.json", "vision_config: image_size 225 is not a multiple of patch_size 32")) {
            try CLIPConfig.load(url)
        }
        try #"{"text_config": {"hidden_size": "wide"}}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError.self) { try CLIPConfig.load(url) }
        try "not json".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("config.json", "not a CLIP config.json: not a JSON object")) { try CLIPConfig.load(url) }
    }

    @Test func preprocessorConfigsOfTheOldFormHaveSizesAsNumbers() throws {
        let dir = try CLIPFixtures.temporaryDirectory("preprocessor")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("preprocessor_config.json")
        try #"{"crop_size": 224, "do_center_crop": true, "do_normalize": true, "do_resize": true, "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224}"#
            .write(to: url, atomically: true, encoding: .utf8)
        #expect(try CLIPImageProcessorConfig.load(url) == CLIPImageProcessorConfig(imageSize: 224))
        try #"{"size": {"longest_edge": 224}}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError.self) { try CLIPImageProcessorConfig.load(url) }
        try #"{"resample": 1}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: WeightsError("preprocessor_config.json", "resample 1 is not supported (2 bilinear or 3 bicubic)")) {
            try CLIPImageProcessorConfig.load(url)
        }
    }
}
