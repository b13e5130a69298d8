import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `clip-vit-b32` pack's image encoder: decode (JPEG, PNG) → `CLIPImageProcessor`'s
/// preprocessing → the vision transformer, projected into the shared space.
///
/// Two decisions where a file meets the reference pipeline:
/// - JPEG decoding lets libjpeg scale by 1/2, 1/4 or 1/8 while both sides stay at least twice
///   the resize target (`CLIPImagePreprocessor.draftSize`: 448 px for 224), and the resize
///   target is computed from the full-scale size, so the crop is the reference's; the
///   remaining difference is the DCT scaling's rounding (mean 0.13 of 255 on Media/'s photos).
/// - Transparency is dropped, not composited: MMMedia decodes as Pillow's `convert("RGB")`,
///   which is what OpenAI's own CLIP preprocessing does. transformers' `CLIPImageProcessor`
///   composites onto white instead; the two agree on every opaque image (all JPEGs, PNGs
///   without alpha).
public struct CLIPImageEncoder: Encoder {
    public let info: EncoderInfo
    public let model: CLIPModel
    public let limits: ImageLimits

    public init(model: CLIPModel, space: SpaceID, limits: ImageLimits = ImageLimits(), settings: String = "") {
        precondition(space.dimension == model.dimension)
        self.model = model
        self.limits = limits
        info = EncoderInfo(name: "clip-vision", version: "1", modality: .image, space: space,
                           fileExtensions: ["jpg", "jpeg", "png"], settings: settings)
    }

    /// Decodes a file as the encoder does (JPEG at the draft scale, with its full size).
    public func decode(_ url: URL) throws -> DecodedImage {
        try ImageDecoder.decodeKeepingFullSize(contentsOf: url, limits: limits, draft: model.preprocessor.draftSize)
    }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try embed(batch: [input])[0].get()
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        var results = [Result<[Float], Error>](repeating: .failure(EncoderError("not embedded")), count: batch.count)
        let arena = ScratchArena()
        var start = 0
        while start < batch.count {
            // Decode up to one forward batch; failures are per item.
            var images: [DecodedImage] = []
            var members: [Int] = []
            var i = start
            while i < batch.count && members.count < model.batchSize {
                do {
                    switch batch[i] {
                    case .file(let url): images.append(try decode(url))
                    case .image(let rgb): images.append(DecodedImage(image: rgb, fullSize: (rgb.width, rgb.height)))
                    case .text: throw EncoderError("\(info.name) embeds images, not text")
                    }
                    members.append(i)
                } catch {
                    results[i] = .failure(error)
                }
                i += 1
            }
            start = i
            guard !members.isEmpty else { continue }
            do {
                for (index, vector) in zip(members, try model.embed(decoded: images, arena: arena)) {
                    results[index] = .success(vector)
                }
            } catch {
                // One image that cannot be preprocessed (absurdly thin): embed the rest alone.
                for (index, image) in zip(members, images) {
                    results[index] = Result { try model.embed(decoded: [image], arena: arena)[0] }
                }
            }
        }
        return results
    }
}
