import Foundation
import MMTensor

/// A checkpoint's `preprocessor_config.json` (Hugging Face `CLIPImageProcessor`), with its key
/// names. Keys left out take `CLIPImageProcessor`'s class defaults. `size` and `crop_size` may
/// be written the old way, as one number: `size: 224` means `{"shortest_edge": 224}` and
/// `crop_size: 224` means `{"height": 224, "width": 224}` (transformers' `get_size_dict`).
public struct CLIPImageProcessorConfig: Decodable, Sendable, Equatable {
    /// How the resize step sizes the image.
    public enum Size: Sendable, Equatable {
        /// The shorter side becomes this; the longer keeps the aspect ratio (truncated).
        case shortestEdge(Int)
        /// Exactly this size.
        case exact(height: Int, width: Int)
    }

    public var do_resize = true
    public var size = Size.shortestEdge(224)
    /// PIL's filter number: 3 bicubic (CLIP's), 2 bilinear.
    public var resample = 3
    public var do_center_crop = true
    public var crop_height = 224
    public var crop_width = 224
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
        crop_height = imageSize
        crop_width = imageSize
    }

    private enum CodingKeys: String, CodingKey {
        case do_resize, size, resample, do_center_crop, crop_size, do_rescale, rescale_factor,
             do_normalize, image_mean, image_std
    }

    private struct SizeDict: Decodable {
        let shortest_edge: Int?
        let longest_edge: Int?
        let height: Int?
        let width: Int?
        let max_height: Int?
        let max_width: Int?
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = CLIPImageProcessorConfig()
        d.do_resize = try c.decodeIfPresent(Bool.self, forKey: .do_resize) ?? d.do_resize
        if let n = try? c.decodeIfPresent(Int.self, forKey: .size) {
            d.size = .shortestEdge(n)
        } else if let s = try c.decodeIfPresent(SizeDict.self, forKey: .size) {
            switch (s.shortest_edge, s.longest_edge, s.height, s.width, s.max_height, s.max_width) {
            case (let e?, nil, nil, nil, nil, nil): d.size = .shortestEdge(e)
            case (nil, nil, let h?, let w?, nil, nil): d.size = .exact(height: h, width: w)
            default:
                throw DecodingError.dataCorruptedError(forKey: .size, in: c, debugDescription:
                    "only {\"shortest_edge\": n} or {\"height\": h, \"width\": w} is supported")
            }
        }
        d.resample = try c.decodeIfPresent(Int.self, forKey: .resample) ?? d.resample
        d.do_center_crop = try c.decodeIfPresent(Bool.self, forKey: .do_center_crop) ?? d.do_center_crop
        if let n = try? c.decodeIfPresent(Int.self, forKey: .crop_size) {
            d.crop_height = n
            d.crop_width = n
        } else if let s = try c.decodeIfPresent(SizeDict.self, forKey: .crop_size) {
            guard let h = s.height, let w = s.width else {
                throw DecodingError.dataCorruptedError(forKey: .crop_size, in: c, debugDescription:
                    "crop_size needs height and width")
            }
            d.crop_height = h
            d.crop_width = w
        }
        d.do_rescale = try c.decodeIfPresent(Bool.self, forKey: .do_rescale) ?? d.do_rescale
        d.rescale_factor = try c.decodeIfPresent(Double.self, forKey: .rescale_factor) ?? d.rescale_factor
        d.do_normalize = try c.decodeIfPresent(Bool.self, forKey: .do_normalize) ?? d.do_normalize
        d.image_mean = try c.decodeIfPresent([Double].self, forKey: .image_mean) ?? d.image_mean
        d.image_std = try c.decodeIfPresent([Double].self, forKey: .image_std) ?? d.image_std
        self = d
    }

    /// Reads and checks `preprocessor_config.json`; errors name the file.
    public static func load(_ url: URL) throws -> CLIPImageProcessorConfig {
        let name = url.lastPathComponent
        let config: CLIPImageProcessorConfig
        do {
            config = try JSONDecoder().decode(CLIPImageProcessorConfig.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw WeightsError(name, "not a CLIP preprocessor_config.json (\(ConfigErrors.describe(error)))")
        } catch {
            throw WeightsError(name, "cannot read: \(error.localizedDescription)")
        }
        try config.validate(file: name)
        return config
    }

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
    }
}
