import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `lite` pack's image encoder: decode (JPEG with DCT scaling, PNG) → EfficientNet-Lite's
/// preprocessing → EfficientNet-Lite0 → ConSE into the text encoder's space.
public struct ConSEImageEncoder: Encoder {
    public let info: EncoderInfo
    public let network: EfficientNetLite
    public let conse: ConSE
    public let limits: ImageLimits
    /// Images per forward pass (bounds the activation memory: ~14 MB per image).
    public let forwardBatch: Int

    public init(network: EfficientNetLite, conse: ConSE, space: SpaceID,
                limits: ImageLimits = ImageLimits(), forwardBatch: Int = 8) {
        precondition(conse.classes == network.config.num_classes && conse.dimension == space.dimension)
        self.network = network
        self.conse = conse
        self.limits = limits
        self.forwardBatch = max(1, forwardBatch)
        self.info = Self.info(config: network.config, space: space,
                              settings: network.precision.encoderSettings())
    }

    /// The encoder's description, known from the network's configuration alone (the pack
    /// describes the encoder before it opens the network: `DeferredEncoder`).
    /// `settings`: what else changes its vectors (`EncoderInfo.settings`): the network's precision.
    public static func info(config: EfficientNetConfig, space: SpaceID, settings: String = "") -> EncoderInfo {
        EncoderInfo(name: "\(config.model_name)+conse", version: "1", modality: .image,
                    space: space, fileExtensions: ["jpg", "jpeg", "png"], settings: settings)
    }

    /// The reference preprocessing (torchvision `Resize(256)`, `CenterCrop(224)`, `ToTensor`,
    /// `Normalize(mean, std)`) into `[3, crop, crop]` floats at `output`; throws for an image
    /// it cannot resize (see `EfficientNetConfig.Preprocessing.apply`).
    public func preprocess(_ image: RGBImage, into output: UnsafeMutableBufferPointer<Float>) throws {
        try network.config.preprocessing.apply(image, into: output)
    }

    /// Decodes a file, letting libjpeg decode big JPEGs straight at the resize size or above.
    public func decode(_ url: URL) throws -> RGBImage {
        let side = network.config.preprocessing.resize_shortest_side
        return try ImageDecoder.decode(contentsOf: url, limits: limits, draft: (side, side))
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embed(batch: [input])[0].get()
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        // `EfficientNetConfig.validate` made the crop the network's input size.
        let crop = network.config.preprocessing.crop
        let per = 3 * crop * crop
        var results = [Result<[Float], Error>](repeating: .failure(EncoderError("not embedded")), count: batch.count)
        let arena = ScratchArena()
        var start = 0
        while start < batch.count {
            // Decode and preprocess up to `forwardBatch` images; failures are per item.
            var members: [Int] = []
            var i = start
            let input = arena.buffer(99, count: forwardBatch * per)
            while i < batch.count && members.count < forwardBatch {
                do {
                    let image: RGBImage
                    switch batch[i] {
                    case .file(let url): image = try decode(url)
                    case .image(let rgb): image = rgb
                    case .text: throw EncoderError("\(info.name) embeds images, not text")
                    }
                    try preprocess(image, into: UnsafeMutableBufferPointer(start: input + members.count * per, count: per))
                    members.append(i)
                } catch {
                    results[i] = .failure(error)
                }
                i += 1
            }
            start = i
            guard !members.isEmpty else { continue }
            let logits = network.logits(input, batch: members.count, arena: arena)
            let classes = network.config.num_classes
            for (b, index) in members.enumerated() {
                results[index] = .success(conse.embed(logits: logits[(b * classes)..<((b + 1) * classes)]))
            }
        }
        return results
    }
}

extension EfficientNetConfig.Preprocessing {
    /// The largest image the resize step may make, in pixels: a very thin image would otherwise
    /// be resized to an enormous one before the crop. The decoder's bound
    /// (`ImageLimits.defaultMaxResizedPixels`, 16 MP), here for images handed over in memory.
    public static let maxResizedPixels = ImageLimits.defaultMaxResizedPixels

    /// Resize the shorter side to `resize_shortest_side`, centre-crop `crop` square, normalise:
    /// `[3, crop, crop]` floats written to `output`. Throws an `InputError` for an empty image or
    /// one so thin that the resize would exceed `maxResizedPixels`.
    public func apply(_ image: RGBImage, into output: UnsafeMutableBufferPointer<Float>) throws {
        let short = min(image.width, image.height), long = max(image.width, image.height)
        guard short > 0 else { throw InputError("the image is empty (\(image.width)x\(image.height))") }
        let side = resize_shortest_side
        // An image whose shorter side is already the size is not resized.
        let resizedLong = Double(side) * Double(long) / Double(short)
        guard short == side || resizedLong * Double(side) <= Double(Self.maxResizedPixels) else {
            throw InputError("a \(image.width)x\(image.height) image cannot be resized to \(side) pixels on its shorter side")
        }
        image.resizedShortestSide(to: side, filter: interpolation == "bicubic" ? .bicubic : .bilinear)
            .centerCropped(width: crop, height: crop)
            .chwTensor(mean: mean, std: std, into: output)
    }
}
