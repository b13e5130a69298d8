import Foundation
import MMEfficientNet
import MMMedia
import MMTensor
import MMTestSupport
import Testing

/// Model files are untrusted input (issue 9), for EfficientNet-Lite: the converter's
/// `config.json` (the `lite` pack's real one) and a tiny network's config and weights under
/// seeded mutations (`ModelFileFuzzing`); a network that loads must preprocess an image and
/// run. The preprocessing sizes that trapped at the first image are now errors at load naming
/// the file and the key.
@Suite(.serialized)
struct EfficientNetModelFileFuzzTests {
    static func liteConfig() throws -> URL { try TestPaths.litePack("efficientnet-lite0/config.json") }

    /// A two-stage EfficientNet-Lite for 32-pixel images and 10 classes, in the converter's terms.
    static let tinyConfig = """
        {"model_type": "efficientnet-lite", "model_name": "efficientnet-tiny",
         "blocks_args": ["r1_k3_s11_e1_i32_o16", "r2_k3_s22_e2_i16_o8"],
         "width_coefficient": 1.0, "depth_coefficient": 1.0, "image_size": 32, "dropout_rate": 0.2,
         "num_classes": 10, "batch_norm_momentum": 0.99, "batch_norm_epsilon": 0.001, "depth_divisor": 8,
         "min_depth": null, "relu_fn": "relu6", "fix_head_stem": true, "local_pooling": false, "use_se": false,
         "stem_filters": 32, "head_filters": 1280, "padding": "same",
         "preprocessing": {"resize_shortest_side": 36, "crop": 32, "interpolation": "bilinear",
                           "rescale": 0.00392156862745098, "mean": [0.498, 0.498, 0.498], "std": [0.502, 0.502, 0.502]}}
        """

    /// Seeded weights of `tinyConfig`'s shapes (batch norms with positive variances).
    static func tinyWeights() throws -> Data {
        var rng = SeededRandom(seed: 11)
        typealias W = SafeTensorsWriter
        var entries: [W.Entry] = []
        func conv(_ name: String, _ shape: [Int], bn: String) {
            let c = shape[0]
            entries += [W.random("\(name).weight", shape, &rng, scale: 0.3),
                        W.floats("\(bn).weight", [c], .init(repeating: 1, count: c)), W.random("\(bn).bias", [c], &rng),
                        W.random("\(bn).running_mean", [c], &rng), W.floats("\(bn).running_var", [c], .init(repeating: 1, count: c))]
        }
        conv("_conv_stem", [32, 3, 3, 3], bn: "_bn0")
        // (input channels, expanded, output channels) of each block.
        for (i, (inC, mid, outC)) in [(32, 32, 16), (16, 32, 8), (8, 16, 8)].enumerated() {
            let b = "_blocks.\(i)."
            if mid != inC { conv(b + "_expand_conv", [mid, inC, 1, 1], bn: b + "_bn0") }
            conv(b + "_depthwise_conv", [mid, 1, 3, 3], bn: b + "_bn1")
            conv(b + "_project_conv", [outC, mid, 1, 1], bn: b + "_bn2")
        }
        conv("_conv_head", [1280, 8, 1, 1], bn: "_bn1")
        entries += [W.random("_fc.weight", [10, 1280], &rng), W.random("_fc.bias", [10], &rng)]
        return try W.data(entries)
    }

    static func tinyFolder(_ label: String) throws -> FuzzFolder {
        try FuzzFolder(label, seeds: [("config.json", .json(try JSONValue(parsing: Data(tinyConfig.utf8)))),
                                      ("model.safetensors", .safetensors(try tinyWeights()))])
    }

    /// Loads the folder's network, preprocesses a 40x30 image and runs it.
    static func loadAndRun(_ dir: URL) throws -> [Float] {
        let config = try EfficientNetConfig.load(dir.appendingPathComponent("config.json"))
        let network = try EfficientNetLite(config: config,
                                           weights: Weights(SafeTensors(url: dir.appendingPathComponent("model.safetensors"))))
        let image = RGBImage(width: 40, height: 30, pixels: (0..<3600).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let crop = config.preprocessing.crop
        var input = [Float](repeating: 0, count: 3 * crop * crop)
        try input.withUnsafeMutableBufferPointer { try config.preprocessing.apply(image, into: $0) }
        return input.withUnsafeBufferPointer { network.logits($0.baseAddress!, batch: 1, arena: ScratchArena()) }
    }

    @Test func theTinySeedNetworkLoadsAndRuns() throws {
        let folder = try Self.tinyFolder("mmeffnet-seed")
        let logits = try Self.loadAndRun(folder.url)
        #expect(logits.count == 10 && logits.allSatisfy(\.isFinite))
    }

    @Test func configsAreRefusedOrLoadedNeverTrap() throws {
        let folder = try FuzzFolder("mmeffnet-fuzz-config", seeds: [("config.json", try SeedFile(contentsOf: Self.liteConfig()))])
        let report = try folder.fuzz("EfficientNet config.json (lite0's)", cases: 10000, refusals: WeightsError.self) { dir, file in
            _ = try EfficientNetConfig.load(dir.appendingPathComponent(file))
        }
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    @Test func networksAreRefusedOrLoadedAndRunNeverTrap() throws {
        let folder = try Self.tinyFolder("mmeffnet-fuzz-network")
        let report = try folder.fuzz("EfficientNet-Lite folder (tiny)", cases: 4000, refusals: WeightsError.self) { dir, _ in
            let logits = try Self.loadAndRun(dir)
            #expect(!logits.isEmpty)
        }
        #expect(report.problems().isEmpty, "\(report.problems())")
    }

    // MARK: - Issue 9's findings

    /// What loading the tiny folder says with its config changed.
    static func loadError(_ change: (inout [String: Any]) -> Void) throws -> String {
        try tinyFolder("mmeffnet-regression").outcome(changing: "config.json", change) { _ = try Self.loadAndRun($0) }
    }

    static func changePreprocessing(_ object: inout [String: Any], _ key: String, _ value: Any) {
        var p = object["preprocessing"] as! [String: Any]
        p[key] = value
        object["preprocessing"] = p
    }

    @Test func outOfRangePreprocessingSizesAreErrorsNamingTheKey() throws {
        // Both loaded, then trapped resizing or cropping the first image.
        #expect(try Self.loadError { Self.changePreprocessing(&$0, "crop", 0) }
                == "config.json: preprocessing: crop 0 must be positive")
        #expect(try Self.loadError { Self.changePreprocessing(&$0, "resize_shortest_side", -1) }
                == "config.json: preprocessing: resize_shortest_side -1 must be positive")
        #expect(try Self.loadError { Self.changePreprocessing(&$0, "crop", 5000) }
                == "config.json: preprocessing: crop 5000 is more than 4096, the largest accepted")
        // A crop that is not the network's input trapped in the encoder.
        #expect(try Self.loadError { Self.changePreprocessing(&$0, "crop", 30) }
                == "config.json: preprocessing: crop 30 is not image_size 32, the network's input")
        #expect(try Self.loadError { Self.changePreprocessing(&$0, "std", [0.5, 0, 0.5]) }
                == "config.json: preprocessing: std [0.5, 0.0, 0.5] has a zero")
        #expect(try Self.loadError { Self.changePreprocessing(&$0, "interpolation", "nearest") }
                == "config.json: preprocessing: interpolation nearest is not supported (bilinear or bicubic)")
    }

    @Test func outOfRangeArchitectureValuesAreErrorsNamingTheKey() throws {
        #expect(try Self.loadError { $0["depth_divisor"] = 0 } == "config.json: depth_divisor 0 must be positive")
        #expect(try Self.loadError { $0["image_size"] = -32 } == "config.json: image_size -32 must be positive")
        #expect(try Self.loadError { $0["width_coefficient"] = 1e9 }
                == "config.json: width_coefficient 1000000000.0 is outside (0.0, 8.0]")
        #expect(try Self.loadError { $0["blocks_args"] = ["r-1_k3_s11_e1_i32_o16"] }
                == "config.json: blocks_args[0] r-1_k3_s11_e1_i32_o16: r -1 is outside 1…1024")
        #expect(try Self.loadError { $0["blocks_args"] = ["r1_k0_s11_e1_i32_o16"] }
                == "config.json: blocks_args[0] r1_k0_s11_e1_i32_o16: k 0 is outside 1…64")
        #expect(try Self.loadError { $0["blocks_args"] = [String]() }
                == "config.json: blocks_args: the number of stages 0 must be positive")
    }

    @Test func anImageTooThinToResizeIsAnInputErrorNotAnAllocation() throws {
        let config = try EfficientNetConfig.load(Self.liteConfig())
        var input = [Float](repeating: 0, count: 3 * 224 * 224)
        // 1 x 300 000 pixels: the resize to 256 on the shorter side would make 256 x 76.8 M.
        let thin = RGBImage(width: 1, height: 300_000, pixels: [UInt8](repeating: 9, count: 900_000))
        #expect(throws: InputError("a 1x300000 image cannot be resized to 256 pixels on its shorter side")) {
            try input.withUnsafeMutableBufferPointer { try config.preprocessing.apply(thin, into: $0) }
        }
        #expect(throws: InputError("the image is empty (0x10)")) {
            try input.withUnsafeMutableBufferPointer { try config.preprocessing.apply(RGBImage(width: 0, height: 10, pixels: []), into: $0) }
        }
    }

    /// Every crash and silent garbage found so far in this family's files, kept in the corpus
    /// (`Scripts/fixtures/make_model_file_corpus.py`): each is an error naming the file and the key.
    @Test func theCorpusOfFoundDamageIsRefusedNamingFileAndKey() throws {
        let entries = try ModelFileCorpus.entries("efficientnet")
        #expect(!entries.isEmpty)
        for entry in entries {
            let error = try Self.loadError { entry.apply(to: &$0) }
            #expect(error.hasPrefix(entry.file + ": ") && error.contains(entry.names), "\(entry): \(error)")
        }
    }
}
