import Foundation
import MMMedia
import MMSearchKit
import MMTensor

/// The `clap-htsat` pack: LAION's CLAP (HTSAT audio encoder, RoBERTa text encoder) in their
/// shared 512-d space, from a Hugging Face directory (`laion/clap-htsat-unfused`'s layout).
///
/// Weights are fetched by `Scripts/fetch/models.py clap` into `<models>/clap-htsat/`, or read
/// from any Hugging Face-layout folder (`--model-dir`). The files the pack needs and reads are
/// its entry in the table of packs (`source.description`). Labels (sounds classified by text)
/// use the model's audio → text temperature, `1 / exp(logit_scale_a)`. It reads no images, so it is never
/// the default for a new index: name it with `--model clap-htsat`; later commands on an index
/// built with it use it without being told.
public enum ClapPack {
    public static let name = "clap-htsat"
    /// Changes whenever the way vectors are made changes without the files changing.
    static let spaceVersion = "clap-htsat/1"

    /// Loads both encoders from `source.directory`. Throws `ModelsMissingError` when a required
    /// file is missing, and a `WeightsError` naming the file and tensor when one is damaged.
    public static func load(from source: ModelPackSource, audioLimits: AudioLimits = AudioLimits(),
                            windows: ClapAudioWindows? = nil) throws -> ModelPack {
        let dir = source.directory
        try source.description.requirePresent(in: dir)
        let precision = source.precision
        let model = try WeightsError.locating(in: dir) {
            try ClapModel.load(directory: dir, precision: precision)
        }
        let files = source.description.definingFiles(in: dir)
        var h = SHA256()
        h.update([spaceVersion, try source.digests.combined(files, in: dir)].joined(separator: "\u{0}"))
        let space = SpaceID(name: name, dimension: model.dimension, fingerprint: h.finalize())
        return try ModelPack(name: name, space: space, encoders: [
            TextEncoder(name: "clap-text", model: model, space: space, settings: precision.encoderSettings()),
            ClapAudioEncoder(model: model, space: space, limits: audioLimits, windows: windows, precision: precision),
        ], labelTemperature: 1 / exp(model.logitScaleAudio), precision: precision)
    }
}
