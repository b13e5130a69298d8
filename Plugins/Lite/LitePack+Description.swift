import MMSearchKit

extension LitePack {
    /// The pack as `mmsearch models` lists it. The offline default: it ranks below
    /// `clip-vit-b32`, which is better at photos, when both are present. Audio is speech, read
    /// when pocketsphinx's model is installed (`mmsearch plugins` says when it is not).
    public static let description = ModelPackDescription(
        name: name,
        summary: "all-MiniLM-L6-v2 text + EfficientNet-Lite0 ImageNet classes mapped into the text space (ConSE) + speech transcribed by pocketsphinx; small, offline default",
        modalities: [.text, .image, .audio],
        requiredFiles: requiredPaths,
        defaultRank: 10,
        fetchCommand: "Scripts/fetch-models.sh lite")
}
