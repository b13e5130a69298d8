import Foundation
import MMMedia
import MMTensor

/// A CLIP model (Radford et al. 2021) from a Hugging Face checkpoint directory: tokenizer,
/// both towers, their projections into the shared space, and the learned temperature; what a
/// `clip-vit-b32` pack (or any CLIP size) needs to embed texts and images and to label images
/// zero-shot. Outputs match transformers' `CLIPModel` (`text_embeds`, `image_embeds`,
/// `logits_per_image.softmax(1)`).
public struct CLIPModel: Sendable {
    public let config: CLIPConfig
    public let tokenizer: CLIPTokenizer
    public let preprocessor: CLIPImagePreprocessor
    public let textModel: CLIPTextTransformer
    public let visionModel: CLIPVisionTransformer
    /// The checkpoint's `logit_scale` (a logarithm: similarities are multiplied by its exp).
    public let logitScale: Float

    private let textProjection: Linear    // [projection_dim, text hidden], no bias
    private let visualProjection: Linear  // [projection_dim, vision hidden], no bias

    /// Texts or images per forward pass.
    public let batchSize: Int

    /// Dimension of the shared space.
    public var dimension: Int { config.projection_dim }

    /// Builds the model from a parsed configuration and a checkpoint whose keys are those of
    /// transformers' `CLIPModel` (`text_model.*`, `vision_model.*`, `text_projection.weight`,
    /// `visual_projection.weight`, `logit_scale`). A missing or mis-shaped tensor is a
    /// `WeightsError` naming it.
    public init(config: CLIPConfig, weights w: Weights, tokenizer: CLIPTokenizer,
                preprocessor: CLIPImagePreprocessor, batchSize: Int = 16) throws {
        try config.validate()
        let text = config.text_config
        try tokenizer.largestID.check(rows: text.vocab_size, configFile: "config.json", configKey: "text_config.vocab_size")
        guard tokenizer.contextLength <= text.max_position_embeddings else {
            throw WeightsError("vocab.json", "the tokenizer's context of \(tokenizer.contextLength) tokens is more than config.json's text_config.max_position_embeddings \(text.max_position_embeddings)")
        }
        // The text's feature is read at the first `eos_token_id` (or, with the legacy 2, at the
        // largest id): an id the tokenizer never ends a text with would pool at position 0.
        guard text.eos_token_id == 2 || text.eos_token_id == Int(tokenizer.endID) else {
            throw WeightsError("config.json", "text_config: eos_token_id \(text.eos_token_id) is not vocab.json's \(CLIPTokenizer.endToken) id \(tokenizer.endID)")
        }
        self.config = config
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor
        textModel = try CLIPTextTransformer(config: config.text_config, weights: w.scoped("text_model"))
        visionModel = try CLIPVisionTransformer(config: config.vision_config, weights: w.scoped("vision_model"))
        textProjection = try Linear(w.scoped("text_projection"), inFeatures: config.text_config.hidden_size,
                                    outFeatures: config.projection_dim, bias: false)
        visualProjection = try Linear(w.scoped("visual_projection"), inFeatures: config.vision_config.hidden_size,
                                      outFeatures: config.projection_dim, bias: false)
        logitScale = try w.tensor("logit_scale", shape: [])[0]
        guard logitScale.isFinite, exp(logitScale).isFinite, exp(logitScale) > 0 else {
            throw WeightsError(w.file.url.lastPathComponent, "tensor '\(w.key("logit_scale"))' is \(logitScale), not a usable logit scale")
        }
        self.batchSize = max(1, batchSize)
    }

    /// Loads a Hugging Face CLIP directory: `config.json`, `model.safetensors`, `vocab.json`,
    /// `merges.txt`, and `preprocessor_config.json` if there is one (without it: CLIP's
    /// preprocessing at the model's `image_size`). openai/clip-vit-base-patch32's layout, and
    /// any other size through its config.
    /// `precision` is the number format of the towers' products (`Precision`).
    public static func load(directory: URL, batchSize: Int = 16, precision: Precision = .f32) throws -> CLIPModel {
        let config = try CLIPConfig.load(directory.appendingPathComponent("config.json"))
        let tokenizer = try CLIPTokenizer(directory: directory, contextLength: config.text_config.max_position_embeddings)
        let preprocessorURL = directory.appendingPathComponent("preprocessor_config.json")
        let processorConfig = FileManager.default.fileExists(atPath: preprocessorURL.path)
            ? try CLIPImageProcessorConfig.load(preprocessorURL)
            : CLIPImageProcessorConfig(imageSize: config.vision_config.image_size)
        let preprocessor = CLIPImagePreprocessor(config: processorConfig)
        guard let size = preprocessor.outputSize, size.width == config.vision_config.image_size,
              size.height == config.vision_config.image_size else {
            throw WeightsError(preprocessorURL.lastPathComponent,
                               "the images it makes are not the model's \(config.vision_config.image_size)x\(config.vision_config.image_size)")
        }
        let weights = try SafeTensors(url: directory.appendingPathComponent("model.safetensors"))
        return try CLIPModel(config: config, weights: Weights(weights, precision: precision), tokenizer: tokenizer,
                             preprocessor: preprocessor, batchSize: batchSize)
    }

    // MARK: - Text

    /// Unit-length embeddings of texts, in order. (The tokenizer's ids always suit the model:
    /// `init` checks that they do, so this throws nothing in practice.)
    public func embed(texts: [String], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        try textEmbeddings(tokenIDs: texts.map(tokenizer.encode), arena: arena)
    }

    /// Unit-length embeddings of token-id sequences (each `<|startoftext|>` … `<|endoftext|>`,
    /// as `tokenizer.encode` makes them), in order. Sequences are sorted by pooling position and
    /// run `batchSize` at a time.
    public func textEmbeddings(tokenIDs: [[Int32]], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        for ids in tokenIDs { try textModel.validate(ids) }
        let positions = tokenIDs.map(textModel.poolingPosition)
        let order = tokenIDs.indices.sorted { positions[$0] < positions[$1] }
        return PooledBatches.run(order: order, batchSize: batchSize, width: config.text_config.hidden_size,
                                 forward: { textModel.pooled($0.map { tokenIDs[$0] }, arena: arena, into: $1) },
                                 head: { project($0, with: textProjection) })
    }

    // MARK: - Images

    /// Unit-length embeddings of images, in order (preprocessed as `preprocessor` says).
    /// Throws for an image that cannot be preprocessed (empty, or absurdly thin).
    public func embed(images: [RGBImage], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        try embed(images: images, fullSizes: nil, arena: arena)
    }

    /// Unit-length embeddings of images decoded perhaps at a reduced JPEG scale: each is
    /// resized to the size its full-scale original would be resized to (see
    /// `CLIPImagePreprocessor.resizedAndCropped(_:fullSize:)`).
    public func embed(decoded: [DecodedImage], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        try embed(images: decoded.map(\.image), fullSizes: decoded.map(\.fullSize), arena: arena)
    }

    private func embed(images: [RGBImage], fullSizes: [(width: Int, height: Int)]?,
                       arena: ScratchArena) throws -> [[Float]] {
        let n = visionModel.pixelCount
        var out: [[Float]] = []
        out.reserveCapacity(images.count)
        var pixels = [Float](repeating: 0, count: min(batchSize, images.count) * n)
        try pixels.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: images.count, by: batchSize) {
                let batch = images[start..<min(start + batchSize, images.count)]
                for (b, image) in batch.enumerated() {
                    try preprocessor.pixelValues(image, fullSize: fullSizes?[start + b],
                                                 into: UnsafeMutableBufferPointer(rebasing: buffer[(b * n)..<((b + 1) * n)]))
                }
                out += embedPixels(buffer.baseAddress!, count: batch.count, arena: arena)
            }
        }
        return out
    }

    /// Unit-length embeddings of preprocessed images: `pixelValues` holds `[count, 3, S, S]`
    /// (transformers' `pixel_values`, S the model's `image_size`).
    public func imageEmbeddings(pixelValues: [Float], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        let n = visionModel.pixelCount
        guard pixelValues.count % n == 0 else {
            throw InputError("\(pixelValues.count) pixel values are not a whole number of \(n)-value images")
        }
        guard !pixelValues.isEmpty else { return [] }
        return pixelValues.withUnsafeBufferPointer { embedPixels($0.baseAddress!, count: $0.count / n, arena: arena) }
    }

    /// The vision tower and projection over `count` images, `batchSize` at a time.
    private func embedPixels(_ pixels: UnsafePointer<Float>, count: Int, arena: ScratchArena) -> [[Float]] {
        let n = visionModel.pixelCount
        return PooledBatches.run(order: Array(0..<count), batchSize: batchSize, width: config.vision_config.hidden_size,
                                 forward: { members, pooled in
                                     visionModel.pooled(pixels + members[0] * n, batch: members.count, arena: arena,
                                                        into: pooled)
                                 },
                                 head: { project($0, with: visualProjection) })
    }

    // MARK: - Zero-shot

    /// For each image, the probability of each label: `softmax(exp(logit_scale) · cos)` over the
    /// labels, as `CLIPModel(...).logits_per_image.softmax(dim=1)`.
    public func zeroShot(images: [RGBImage], labels: [String], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        zeroShotProbabilities(imageEmbeddings: try embed(images: images, arena: arena),
                              textEmbeddings: try embed(texts: labels, arena: arena))
    }

    /// `softmax(exp(logit_scale) · image · text)` over the texts, for each image (unit vectors).
    public func zeroShotProbabilities(imageEmbeddings: [[Float]], textEmbeddings: [[Float]]) -> [[Float]] {
        ZeroShot.probabilities(queries: imageEmbeddings, labels: textEmbeddings, logitScale: logitScale)
    }

    /// `normalize(W · feature)`.
    private func project(_ feature: UnsafePointer<Float>, with projection: Linear) -> [Float] {
        var v = [Float](repeating: 0, count: projection.outFeatures)
        v.withUnsafeMutableBufferPointer { projection.forward(feature, rows: 1, into: $0.baseAddress!) }
        return Ops.l2Normalized(v)
    }
}
