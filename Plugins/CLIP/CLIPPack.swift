import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `clip-vit-b32` pack: OpenAI's CLIP ViT-B/32 text and image encoders in their shared
/// 512-d space, from a Hugging Face directory (`openai/clip-vit-base-patch32`'s layout; any
/// other CLIP size loads through its `config.json` too).
///
/// Weights are fetched by `Scripts/fetch-models.sh clip` into `<models>/clip-vit-b32/`, or
/// read from any Hugging Face-layout folder with `--model-dir`.
public enum CLIPPack {
    public static let name = "clip-vit-b32"
    /// Changes whenever the way vectors are made changes without the files changing (the
    /// decoding rules of `CLIPImageEncoder`, say): vectors of different versions are not compared.
    static let spaceVersion = "clip-vit-b32/1"
    /// How files become pixels, part of the fingerprint: JPEG drafts at twice the resize
    /// target with the full-size geometry; alpha dropped.
    static let decodingRule = "jpeg-draft-2x-full-geometry;alpha-dropped"

    /// The files a CLIP folder needs (`preprocessor_config.json` is optional: without it,
    /// CLIP's preprocessing at the model's image size).
    public static let requiredFiles = ["config.json", "model.safetensors", "vocab.json", "merges.txt"]
    static let optionalFiles = ["preprocessor_config.json"]

    /// The pack as `mmsearch models` lists it; preferred over `lite` when both are present.
    public static let description = ModelPackDescription(
        name: name,
        summary: "OpenAI CLIP ViT-B/32 text + image encoders (Hugging Face openai/clip-vit-base-patch32); the best for photos",
        modalities: [.text, .image],
        requiredFiles: requiredFiles,
        defaultRank: 20,
        fetchCommand: "Scripts/fetch-models.sh clip")

    /// Loads both encoders from `source.directory`. Throws `ModelsMissingError` when a
    /// required file is missing, and a `WeightsError` naming the file and tensor when one is
    /// damaged or of another shape.
    ///
    /// The host parallelises across inputs (one encoder call per worker thread), so this sets
    /// OpenBLAS to one thread per call.
    public static func load(from source: ModelPackSource, imageLimits: ImageLimits = ImageLimits()) throws -> ModelPack {
        let dir = source.directory
        try description.requirePresent(in: dir)
        BLAS.setThreads(1)
        let model = try CLIPModel.load(directory: dir)
        let space = SpaceID(name: name, dimension: model.dimension,
                            fingerprint: try fingerprint(dir, digests: source.digests))
        return try ModelPack(name: name, space: space, encoders: [
            CLIPTextEncoder(model: model, space: space),
            CLIPImageEncoder(model: model, space: space, limits: imageLimits),
        ])
    }

    /// The space fingerprint: the version tag, the decoding rule, and the digests of the
    /// files that define the vectors (present optional ones too).
    static func fingerprint(_ dir: URL, digests: WeightsDigest) throws -> String {
        let files = requiredFiles + optionalFiles.filter {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path)
        }
        var h = SHA256()
        h.update([spaceVersion, decodingRule, try digests.combined(files, in: dir)].joined(separator: "\u{0}"))
        return h.finalize()
    }
}
