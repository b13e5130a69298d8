import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `clip-vit-b32` pack: OpenAI's CLIP ViT-B/32 text and image encoders in their shared
/// 512-d space, from a Hugging Face directory (`openai/clip-vit-base-patch32`'s layout; any
/// other CLIP size loads through its `config.json` too).
///
/// Weights are fetched by `Scripts/fetch/models.py clip` into `<models>/clip-vit-b32/`, or
/// read from any Hugging Face-layout folder (`--model-dir`). The files the pack needs and
/// reads are its entry in the table of packs (`source.description`). The label temperature is
/// the model's own: `1 / exp(logit_scale)` (0.01 for OpenAI's weights).
public enum CLIPPack {
    public static let name = "clip-vit-b32"
    /// Changes whenever the way vectors are made changes without the files changing (the
    /// decoding rules of `CLIPImageEncoder`, say): vectors of different versions are not compared.
    static let spaceVersion = "clip-vit-b32/1"
    /// How files become pixels, part of the fingerprint: JPEG drafts at twice the resize
    /// target with the full-size geometry; alpha dropped.
    static let decodingRule = "jpeg-draft-2x-full-geometry;alpha-dropped"

    /// Loads both encoders from `source.directory`. Throws `ModelsMissingError` when a
    /// required file is missing, and a `WeightsError` naming the file and tensor when one is
    /// damaged or of another shape.
    public static func load(from source: ModelPackSource, imageLimits: ImageLimits = ImageLimits()) throws -> ModelPack {
        let dir = source.directory
        try source.description.requirePresent(in: dir)
        let precision = source.precision
        let model = try WeightsError.locating(in: dir) {
            try CLIPModel.load(directory: dir, precision: precision)
        }
        let space = SpaceID(name: name, dimension: model.dimension,
                            fingerprint: try fingerprint(dir, files: source.description.definingFiles(in: dir),
                                                         digests: source.digests))
        return try ModelPack(name: name, space: space, encoders: [
            TextEncoder(name: "clip-text", model: model, space: space, settings: precision.encoderSettings()),
            CLIPImageEncoder(model: model, space: space, limits: imageLimits, settings: precision.encoderSettings()),
        ], labelTemperature: 1 / exp(model.logitScale), precision: precision)
    }

    /// The space fingerprint: the version tag, the decoding rule, and the digests of the
    /// files that define the vectors (present optional ones too).
    static func fingerprint(_ dir: URL, files: [String], digests: WeightsDigest) throws -> String {
        var h = SHA256()
        h.update([spaceVersion, decodingRule, try digests.combined(files, in: dir)].joined(separator: "\u{0}"))
        return h.finalize()
    }
}
