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

    public static func load(_ url: URL) throws -> EfficientNetConfig {
        let config: EfficientNetConfig
        do {
            config = try JSONDecoder().decode(EfficientNetConfig.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw WeightsError(url.path, "not an EfficientNet config.json (\(error))")
        }
        guard config.relu_fn == "relu6" else {
            throw WeightsError(url.path, "relu_fn \(config.relu_fn) is not supported (EfficientNet-Lite uses relu6)")
        }
        guard config.preprocessing.mean.count == 3, config.preprocessing.std.count == 3 else {
            throw WeightsError(url.path, "preprocessing mean/std must have 3 values")
        }
        guard abs((config.preprocessing.rescale ?? 1.0 / 255) - 1.0 / 255) < 1e-12 else {
            throw WeightsError(url.path, "preprocessing rescale must be 1/255")
        }
        guard config.use_se != true, config.local_pooling != true, (config.padding ?? "same") == "same" else {
            throw WeightsError(url.path, "only EfficientNet-Lite (no squeeze-excitation, global pooling, SAME padding) is supported")
        }
        return config
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

    public init(_ string: String) throws {
        var fields: [String: String] = [:]
        var idSkip = true
        for part in string.split(separator: "_") {
            if part == "noskip" { idSkip = false; continue }
            guard let key = part.first, key.isLetter else { continue }
            let digits = part.drop(while: { $0.isLetter })
            fields[String(part.prefix(part.count - digits.count))] = String(digits)
        }
        func int(_ key: String) throws -> Int {
            guard let v = fields[key], let n = Int(v) else { throw WeightsError("config.json", "block args \(string): no \(key)") }
            return n
        }
        guard fields["se"] == nil else { throw WeightsError("config.json", "block args \(string): squeeze-excitation is not supported") }
        repeats = try int("r")
        kernel = try int("k")
        let s = try int("s")
        // "s22" is (2, 2), "s11" is (1, 1): strides are square here.
        guard s == 11 || s == 22 else { throw WeightsError("config.json", "block args \(string): stride \(s) unsupported") }
        stride = s / 11
        expandRatio = try int("e")
        inputFilters = try int("i")
        outputFilters = try int("o")
        self.idSkip = idSkip
    }
}
