import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `clap-htsat` pack: LAION's CLAP (HTSAT audio encoder, RoBERTa text encoder) in their
/// shared 512-d space, from a Hugging Face directory (`laion/clap-htsat-unfused`'s layout).
///
/// Weights are fetched by `Scripts/fetch-models.sh clap` into `<models>/clap-htsat/`, or read
/// from any Hugging Face-layout folder with `--model-dir`. It reads no images, so it is never
/// the default for a new index: name it with `--model clap-htsat`; later commands on an index
/// built with it use it without being told.
public enum ClapPack {
    public static let name = "clap-htsat"
    /// Changes whenever the way vectors are made changes without the files changing.
    static let spaceVersion = "clap-htsat/1"

    /// The files a CLAP folder needs (`preprocessor_config.json`, `tokenizer.json` and
    /// `tokenizer_config.json` are optional: without them, laion/clap-htsat-unfused's settings).
    public static let requiredFiles = ["config.json", "model.safetensors", "vocab.json", "merges.txt"]
    static let optionalFiles = ["preprocessor_config.json", "tokenizer.json", "tokenizer_config.json"]

    /// The pack as `mmsearch models` lists it.
    public static let description = ModelPackDescription(
        name: name,
        summary: "LAION CLAP (HTSAT audio + RoBERTa text, Hugging Face laion/clap-htsat-unfused); sounds by description",
        modalities: [.text, .audio],
        requiredFiles: requiredFiles,
        defaultRank: nil,
        fetchCommand: "Scripts/fetch-models.sh clap")

    /// Loads both encoders from `source.directory`. Throws `ModelsMissingError` when a required
    /// file is missing, and a `WeightsError` naming the file and tensor when one is damaged.
    public static func load(from source: ModelPackSource, audioLimits: AudioLimits = AudioLimits(),
                            windows: ClapAudioWindows? = nil) throws -> ModelPack {
        let dir = source.directory
        try description.requirePresent(in: dir)
        BLAS.setThreads(1)
        let model = try ClapModel.load(directory: dir)
        let files = requiredFiles + optionalFiles.filter {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path)
        }
        var h = SHA256()
        h.update([spaceVersion, try source.digests.combined(files, in: dir)].joined(separator: "\u{0}"))
        let space = SpaceID(name: name, dimension: model.dimension, fingerprint: h.finalize())
        return try ModelPack(name: name, space: space, encoders: [
            ClapTextEncoder(model: model, space: space),
            ClapAudioEncoder(model: model, space: space, limits: audioLimits, windows: windows),
        ])
    }
}
