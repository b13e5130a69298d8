import Foundation
import MMPocketSphinx
import MMEfficientNet
import MMMedia
import MMSearchKit
import MMTensor
import MMBERT

/// The offline default pack `lite`: all-MiniLM-L6-v2 for text, EfficientNet-Lite0's ImageNet
/// classifier mapped into the same 384-d text space by ConSE for images, and for audio the
/// transcript pocketsphinx hears, embedded by MiniLM (`SpeechEncoder`), when pocketsphinx's
/// model is installed (`SpeechModel.locate`); without it the pack loads without audio and
/// lists the reason in `ModelPack.unavailable`.
///
/// The speech encoder does not change the space's fingerprint (text and image vectors are
/// the same with or without it): the recogniser's model is in the speech encoder's own
/// fingerprint, so another model re-indexes audio files only.
///
/// Weights are fetched by `Scripts/fetch/models.py lite` into `<models>/lite/`; the files it
/// needs are the `lite` entry of the table of packs (`BuiltinPacks`).
public enum LitePack {
    public static let name = "lite"
    public static let textModel = "all-MiniLM-L6-v2"
    public static let imageModel = "efficientnet-lite0"
    /// Classes whose prompt embeddings are mixed into an image's vector.
    public static let conseTopT = 10
    /// The prompt each ImageNet class name is put into before embedding.
    public static let conseTemplate = "a photo of a {}"
    /// Changes whenever the way vectors are made changes without the weights changing
    /// (preprocessing, pooling, ConSE): vectors of different versions must not be compared.
    static let spaceVersion = "lite/1"
    /// The softmax temperature of zero-shot labelling in this space: the log-loss minimum of
    /// labelling Media/'s 34 photos with 8 broad categories (animal, vehicle, food, building, …;
    /// 32 of 34 right) over a grid from 0.005 to 0.1. `LiteSearchFeaturesTests` refits it and
    /// prints the loss per T. (With the photos' own subjects as labels the pack is always right,
    /// and the loss only falls as T → 0.)
    public static let labelTemperature: Float = 0.015

    /// `<models>/lite`.
    public static func directory(in models: URL) -> URL { models.appendingPathComponent(name) }

    /// Loads the encoders from `<models>/lite`. Throws `ModelsMissingError` when the weights were
    /// never fetched, and a `WeightsError` naming the file when one is damaged.
    ///
    ///
    /// - Parameters:
    ///   - speechModel: pocketsphinx's model; by default `SpeechModel.locate()`. A failure
    ///     leaves audio out of the pack, with its reason.
    public static func load(modelsDirectory: URL, imageLimits: ImageLimits = ImageLimits(),
                            audioLimits: AudioLimits = AudioLimits(),
                            speechModel: Result<SpeechModel, Error> = Result { try SpeechModel.locate() },
                            precision: InferencePrecision = .f32) throws -> ModelPack {
        try load(from: ModelPackSource(directory: directory(in: modelsDirectory),
                                       description: BuiltinPacks.description(of: name), precision: precision),
                 imageLimits: imageLimits, audioLimits: audioLimits, speechModel: speechModel)
    }

    /// Loads the encoders from a pack folder laid out as `<models>/lite` (`--model-dir`); audio
    /// as `load(modelsDirectory:imageLimits:audioLimits:speechModel:)` says.
    public static func load(from source: ModelPackSource, imageLimits: ImageLimits = ImageLimits(),
                            audioLimits: AudioLimits = AudioLimits(),
                            speechModel: Result<SpeechModel, Error> = Result { try SpeechModel.locate() }) throws -> ModelPack {
        let dir = source.directory
        try source.description.requirePresent(in: dir)
        let textDir = dir.appendingPathComponent(textModel)
        let imageDir = dir.appendingPathComponent(imageModel)
        // MiniLM runs at the pack's precision (int8: 1.9x the texts per second, within cosine
        // 0.9993 of f32). EfficientNet stays f32: at int8 (expansions and head) indexing photos
        // went from 70.1 to 65.8 images/s (most of its products have 16 to 112 inputs, too few
        // for int8 to pay), and the reference's top-5 held on 67 of 70 photos instead of all.
        let precision = source.precision
        let sentences = try WeightsError.locating(in: textDir) {
            try SentenceTransformer(directory: textDir, precision: precision)
        }
        let imageConfig = try EfficientNetConfig.load(imageDir.appendingPathComponent("config.json"))
        let classNames = try ImageNetClassNames.load()
        guard classNames.count == imageConfig.num_classes else {
            throw WeightsError(imageDir.appendingPathComponent("config.json").path,
                               "\(imageConfig.num_classes) classes, but \(classNames.count) class names are built in")
        }
        let weightsDigest = try source.digests.packDigest(
            directory: dir, files: source.description.definingFiles(in: dir).map { dir.appendingPathComponent($0) })
        var h = SHA256()
        h.update([spaceVersion, weightsDigest, conseTemplate, String(conseTopT), classNames.joined(separator: "\n")]
            .joined(separator: "\u{0}"))
        let space = SpaceID(name: name, dimension: sentences.dimension, fingerprint: h.finalize())

        let text = TextEncoder(name: textModel, model: sentences, space: space, settings: precision.encoderSettings())
        // The image network and the speech recogniser open on first use: a text query reads
        // neither (`DeferredEncoder`, `SpeechRecognizer`).
        let image = DeferredEncoder(info: ConSEImageEncoder.info(config: imageConfig, space: space)) {
            let network = try WeightsError.locating(in: imageDir) {
                try EfficientNetLite(config: imageConfig,
                                     weights: Weights(SafeTensors(url: imageDir.appendingPathComponent("model.safetensors"))))
            }
            let prompts = classNames.map { conseTemplate.replacingOccurrences(of: "{}", with: $0) }
            // Cached under the space fingerprint, which covers the weights, template and class names;
            // always made at f32, so an image's vector is the same whatever the text encoder's
            // precision (and the image encoder's fingerprint need not cover it).
            let classEmbeddings = try VectorCache(directory: dir.appendingPathComponent("cache"))
                .vectors(key: "conse \(space.fingerprint)", count: prompts.count, dimension: sentences.dimension) {
                    let f32 = precision == .f32 ? sentences : try SentenceTransformer(directory: textDir)
                    return f32.encode(prompts).flatMap { $0 }
                }
            let conse = ConSE(classEmbeddings: classEmbeddings, classes: classNames.count, topT: conseTopT)
            return ConSEImageEncoder(network: network, conse: conse, space: space, limits: imageLimits)
        }
        var encoders: [any Encoder] = [text, image]
        var unavailable: [UnavailableEncoder] = []
        do {
            let model = try speechModel.get()
            encoders.append(SpeechEncoder(recognizer: SpeechRecognizer(model: model), textEncoder: text,
                                          modelFingerprint: model.fingerprint(cache: source.digests),
                                          limits: audioLimits))
        } catch {
            unavailable.append(UnavailableEncoder(name: SpeechEncoder.name, modality: .audio,
                                                  reason: String(describing: error)))
        }
        return try ModelPack(name: name, space: space, encoders: encoders, unavailable: unavailable,
                             labelTemperature: labelTemperature, precision: precision)
    }
}
