import Foundation
import MMTensor

/// A checkpoint's `preprocessor_config.json` (Hugging Face `CLIPImageProcessor`), with its key
/// names. Keys left out take `CLIPImageProcessor`'s class defaults. `size` and `crop_size` may
/// be written the old way, as one number: `size: 224` means `{"shortest_edge": 224}` and
/// `crop_size: 224` means `{"height": 224, "width": 224}` (transformers' `get_size_dict`).
public struct CLIPImageProcessorConfig: ConfigFile, Equatable {
    /// How the resize step sizes the image.
    public enum Size: Sendable, Equatable {
        /// The shorter side becomes this; the longer keeps the aspect ratio (truncated).
        case shortestEdge(Int)
        /// Exactly this size.
        case exact(height: Int, width: Int)
    }

    /// The centre crop's size (`crop_size`).
    public struct CropSize: Sendable, Equatable {
        public var height: Int
        public var width: Int

        public init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }
    }

    public var do_resize = true
    public var size = Size.shortestEdge(224)
    /// PIL's filter number: 3 bicubic (CLIP's), 2 bilinear.
    public var resample = 3
    public var do_center_crop = true
    public var crop_size = CropSize(height: 224, width: 224)
    public var do_rescale = true
    public var rescale_factor = 1.0 / 255.0
    public var do_normalize = true
    /// OpenAI CLIP's (transformers' `OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD`).
    public var image_mean = [0.48145466, 0.4578275, 0.40821073]
    public var image_std = [0.26862954, 0.26130258, 0.27577711]

    public init() {}

    /// CLIP's preprocessing for a model whose input is `imageSize` pixels square: the shorter
    /// side to `imageSize`, a centre crop of `imageSize`: what a checkpoint without a
    /// `preprocessor_config.json` gets.
    public init(imageSize: Int) {
        size = .shortestEdge(imageSize)
        crop_size = CropSize(height: imageSize, width: imageSize)
    }

    public var crop_height: Int {
        get { crop_size.height }
        set { crop_size.height = newValue }
    }

    public var crop_width: Int {
        get { crop_size.width }
        set { crop_size.width = newValue }
    }

    public static let kind = "CLIP preprocessor_config.json"

    public func validate(file: String = "preprocessor_config.json") throws {
        guard image_mean.count == 3, image_std.count == 3, image_std.allSatisfy({ $0 != 0 }) else {
            throw WeightsError(file, "image_mean and image_std need 3 values each, std non-zero")
        }
        guard resample == 2 || resample == 3 else {
            throw WeightsError(file, "resample \(resample) is not supported (2 bilinear or 3 bicubic)")
        }
        let sides: [Int]
        switch size {
        case .shortestEdge(let n): sides = [n]
        case .exact(let h, let w): sides = [h, w]
        }
        guard sides.allSatisfy({ $0 > 0 }) else { throw WeightsError(file, "size must be positive") }
        guard crop_height > 0, crop_width > 0 else { throw WeightsError(file, "crop_size must be positive") }
        guard sides.allSatisfy({ $0 <= ModelLimits.imageSide }) else {
            throw WeightsError(file, "size \(sides) is more than \(ModelLimits.imageSide), the largest accepted")
        }
        guard crop_height <= ModelLimits.imageSide, crop_width <= ModelLimits.imageSide else {
            throw WeightsError(file, "crop_size \(crop_height)x\(crop_width) is more than \(ModelLimits.imageSide), the largest accepted")
        }
        try ConfigCheck.finite(image_mean, key: "image_mean", file: file)
        try ConfigCheck.finite(image_std, key: "image_std", file: file)
        try ConfigCheck.value(rescale_factor, above: 0, atMost: 1, key: "rescale_factor", file: file)
    }
}

/// transformers' size dictionaries (`get_size_dict`): the keys a `size` or `crop_size` may hold.
private struct SizeDict: Codable {
    var shortest_edge: Int?
    var longest_edge: Int?
    var height: Int?
    var width: Int?
    var max_height: Int?
    var max_width: Int?
}

extension CLIPImageProcessorConfig.Size: Codable {
    /// `n` (the old form: shortest edge `n`), `{"shortest_edge": n}` or `{"height": h, "width": w}`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            self = .shortestEdge(n)
            return
        }
        let s = try c.decode(SizeDict.self)
        switch (s.shortest_edge, s.longest_edge, s.height, s.width, s.max_height, s.max_width) {
        case (let e?, nil, nil, nil, nil, nil): self = .shortestEdge(e)
        case (nil, nil, let h?, let w?, nil, nil): self = .exact(height: h, width: w)
        default:
            throw DecodingError.dataCorruptedError(in: c, debugDescription:
                "only {\"shortest_edge\": n} or {\"height\": h, \"width\": w} is supported")
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .shortestEdge(let n): try SizeDict(shortest_edge: n).encode(to: encoder)
        case .exact(let h, let w): try SizeDict(height: h, width: w).encode(to: encoder)
        }
    }
}

extension CLIPImageProcessorConfig.CropSize: Codable {
    /// `n` (the old form: `n` square) or `{"height": h, "width": w}`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            self.init(height: n, width: n)
            return
        }
        let s = try c.decode(SizeDict.self)
        guard let h = s.height, let w = s.width else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "crop_size needs height and width")
        }
        self.init(height: h, width: w)
    }

    public func encode(to encoder: Encoder) throws {
        try SizeDict(height: height, width: width).encode(to: encoder)
    }
}
