import Foundation
import MMSearchKit
import MMText
import MMImage

/// The `lite` model pack.
///
/// TEMPORARY PLACEHOLDER so the command line compiles: the real pack (MiniLM text encoder,
/// EfficientNet-Lite0 + ConSE image encoder) replaces this file. Until then it always reports
/// the weights as missing.
public enum LitePack {
    /// Loads the pack from `modelsDirectory`; throws `ModelsMissingError` when weights are absent.
    public static func load(modelsDirectory: URL) throws -> ModelPack {
        throw ModelsMissingError(pack: "lite", directory: modelsDirectory)
    }
}
