import Foundation
import MMTensor

/// `config.json` of an EfficientNet-Lite checkpoint converted by Scripts/convert/efficientnet.py,
/// in the reference implementation's own terms (efficientnet-lite-pytorch's `GlobalParams` and
/// block-argument strings).
public struct EfficientNetConfig: Decodable, Sendable {
    public let model_name: String
    public let blocks_args: [String]
    public let width_coefficient: Double
    public let depth_coefficient: Double
    public let image_size: Int
    public let num_classes: Int
    public let batch_norm_epsilon: Double
    public let depth_divisor: Int?
    public let relu_fn: String
    public let fix_head_stem: Bool
    public let use_se: Bool?
    public let local_pooling: Bool?
    public let padding: String?
    public let preprocessing: Preprocessing

    /// The reference's input pipeline: resize the shorter side, centre-crop, then
    /// `(x · rescale - mean) / std` per channel.
    public struct Preprocessing: Decodable, Sendable {
        public let resize_shortest_side: Int
        public let crop: Int
        public let interpolation: String
        public let rescale: Double?
        public let mean: [Float]
        public let std: [Float]
    }

    /// Reads and checks `config.json`; errors name the file and the key.
    public static func load(_ url: URL) throws -> EfficientNetConfig {
        let config = try ConfigJSON.decode(EfficientNetConfig.self, from: ConfigJSON.data(at: url), file: url.path,
                                           kind: "EfficientNet config.json")
        try config.validate(file: url.path)
        return config
    }

    /// The interpolations the preprocessing implements.
    public static let interpolations = ["bilinear", "bicubic"]

    /// Checks what the network and its preprocessing rely on: sizes positive and within
    /// `ModelLimits`, coefficients and epsilon usable, every block-argument string well formed,
    /// the crop the network's input size; errors name `file` and the key.
    public func validate(file: String = "config.json") throws {
        guard relu_fn == "relu6" else {
            throw WeightsError(file, "relu_fn \(relu_fn) is not supported (EfficientNet-Lite uses relu6)")
        }
        guard use_se != true, local_pooling != true, (padding ?? "same") == "same" else {
            throw WeightsError(file, "only EfficientNet-Lite (no squeeze-excitation, global pooling, SAME padding) is supported")
        }
        try ConfigCheck.counts(["image_size": (image_size, ModelLimits.imageSide),
                                "num_classes": (num_classes, ModelLimits.width)], in: "", file: file)
        try ConfigCheck.value(batch_norm_epsilon, above: 0, atMost: 1, key: "batch_norm_epsilon", file: file)
        // EfficientNet-B7's are 2.0 and 3.1; the Lite models' at most 1.4 and 1.8.
        try ConfigCheck.value(width_coefficient, above: 0, atMost: 8, key: "width_coefficient", file: file)
        try ConfigCheck.value(depth_coefficient, above: 0, atMost: 8, key: "depth_coefficient", file: file)
        if let depth_divisor {
            try ConfigCheck.count(depth_divisor, atMost: ModelLimits.width, key: "depth_divisor", file: file)
        }
        try ConfigCheck.count(blocks_args.count, atMost: ModelLimits.layers, key: "blocks_args: the number of stages",
                              file: file)
        for (i, string) in blocks_args.enumerated() { _ = try BlockArgs(string, key: "blocks_args[\(i)]", file: file) }

        let p = preprocessing
        try ConfigCheck.counts(["resize_shortest_side": (p.resize_shortest_side, ModelLimits.imageSide),
                                "crop": (p.crop, ModelLimits.imageSide)], in: "preprocessing", file: file)
        guard p.crop == image_size else {
            throw WeightsError(file, "preprocessing: crop \(p.crop) is not image_size \(image_size), the network's input")
        }
        guard Self.interpolations.contains(p.interpolation) else {
            throw WeightsError(file, "preprocessing: interpolation \(p.interpolation) is not supported (bilinear or bicubic)")
        }
        guard p.mean.count == 3, p.std.count == 3 else {
            throw WeightsError(file, "preprocessing mean/std must have 3 values")
        }
        try ConfigCheck.finite(p.mean.map(Double.init), key: "mean", in: "preprocessing", file: file)
        try ConfigCheck.finite(p.std.map(Double.init), key: "std", in: "preprocessing", file: file)
        guard p.std.allSatisfy({ $0 != 0 }) else { throw WeightsError(file, "preprocessing: std \(p.std) has a zero") }
        guard abs((p.rescale ?? 1.0 / 255) - 1.0 / 255) < 1e-12 else {
            throw WeightsError(file, "preprocessing rescale must be 1/255")
        }
    }
}

/// One block-argument string, e.g. `r2_k5_s22_e6_i24_o40` (`efficientnet_lite_pytorch.utils.BlockDecoder`):
/// repeats, kernel, stride, expansion ratio, input and output filters.
public struct BlockArgs: Sendable, Equatable {
    public var repeats: Int
    public var kernel: Int
    public var stride: Int
    public var expandRatio: Int
    public var inputFilters: Int
    public var outputFilters: Int
    public var idSkip: Bool

    /// Parses one string of `blocks_args`; `key` names it in errors ("blocks_args[2]"), with
    /// `file`. Every number must be positive and within `ModelLimits`.
    public init(_ string: String, key: String = "block args", file: String = "config.json") throws {
        var fields: [String: String] = [:]
        var idSkip = true
        for part in string.split(separator: "_") {
            if part == "noskip" { idSkip = false; continue }
            guard let key = part.first, key.isLetter else { continue }
            let digits = part.drop(while: { $0.isLetter })
            fields[String(part.prefix(part.count - digits.count))] = String(digits)
        }
        func fail(_ reason: String) -> WeightsError { WeightsError(file, "\(key) \(string): \(reason)") }
        func int(_ field: String, atMost limit: Int = .max) throws -> Int {
            guard let v = fields[field], let n = Int(v) else { throw fail("no \(field)") }
            guard n > 0, n <= limit else { throw fail("\(field) \(n) is outside 1…\(limit)") }
            return n
        }
        guard fields["se"] == nil else { throw fail("squeeze-excitation is not supported") }
        repeats = try int("r", atMost: ModelLimits.layers)
        kernel = try int("k", atMost: ModelLimits.kernel)
        let s = try int("s")
        // "s22" is (2, 2), "s11" is (1, 1): strides are square here.
        guard s == 11 || s == 22 else { throw fail("stride \(s) unsupported") }
        stride = s / 11
        expandRatio = try int("e", atMost: ModelLimits.width)
        inputFilters = try int("i", atMost: ModelLimits.width)
        outputFilters = try int("o", atMost: ModelLimits.width)
        self.idSkip = idSkip
    }
}
