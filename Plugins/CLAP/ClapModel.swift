import Foundation
import MMTensor

/// A CLAP model (Wu et al. 2023, "Large-scale contrastive language-audio pretraining") from a
/// Hugging Face checkpoint directory: tokenizer, feature extractor, both towers, their
/// projections into the shared space and the learned temperatures; what a `clap-htsat` pack
/// needs to embed texts and sounds and to label sounds zero-shot. Outputs match transformers'
/// `ClapModel` (`get_text_features`, `get_audio_features`, `logits_per_audio.softmax(-1)`)
/// fed by `ClapProcessor`, for laion/clap-htsat-unfused's layout and any size of it.
public struct ClapModel: Sendable {
    public let config: ClapConfig
    public let tokenizer: ClapTokenizer
    public let featureExtractor: ClapFeatureExtractor
    public let textModel: ClapTextModel
    public let audioModel: HTSATTransformer
    /// `logit_scale_a`: audio → text logits are `exp(logit_scale_a) · cos` (a logarithm).
    public let logitScaleAudio: Float
    /// `logit_scale_t`: text → audio logits are `exp(logit_scale_t) · cos`.
    public let logitScaleText: Float

    private let textProjection: ClapProjection
    private let audioProjection: ClapProjection

    /// Texts or clips per forward pass.
    public let batchSize: Int

    /// Dimension of the shared space.
    public var dimension: Int { config.projection_dim }

    /// Builds the model from a parsed configuration and a checkpoint whose keys are those of
    /// transformers' `ClapModel` (`text_model.*`, `text_projection.*`,
    /// `audio_model.audio_encoder.*`, `audio_projection.*`, `logit_scale_a`, `logit_scale_t`;
    /// integer buffers such as `position_ids` are not read). A missing or mis-shaped tensor is a
    /// `WeightsError` naming it.
    public init(config: ClapConfig, weights w: Weights, tokenizer: ClapTokenizer,
                featureExtractor: ClapFeatureExtractor, batchSize: Int = 8) throws {
        try config.validate()
        let text = config.text_config, audio = config.audio_config
        try tokenizer.largestID.check(rows: text.vocab_size, configFile: "config.json", configKey: "text_config.vocab_size")
        guard tokenizer.maxLength + text.pad_token_id < text.max_position_embeddings else {
            throw WeightsError("vocab.json", "the tokenizer's \(tokenizer.maxLength) tokens need positions up to \(tokenizer.maxLength + text.pad_token_id), more than config.json's text_config.max_position_embeddings \(text.max_position_embeddings) hold")
        }
        let fe = featureExtractor.config
        guard fe.feature_size == audio.num_mel_bins, fe.frameCount <= audio.specWidth else {
            throw WeightsError("preprocessor_config.json", "\(fe.frameCount) frames of \(fe.feature_size) mel bins do not fit the audio model (\(audio.specWidth) frames of \(audio.num_mel_bins))")
        }
        self.config = config
        self.tokenizer = tokenizer
        self.featureExtractor = featureExtractor
        textModel = try ClapTextModel(config: text, weights: w.scoped("text_model"))
        audioModel = try HTSATTransformer(config: audio, weights: w.scoped("audio_model.audio_encoder"))
        let projectionActivation = try config.projectionActivation()
        textProjection = try ClapProjection(w.scoped("text_projection"), inFeatures: text.hidden_size,
                                            dimension: config.projection_dim, activation: projectionActivation)
        audioProjection = try ClapProjection(w.scoped("audio_projection"), inFeatures: audio.hidden_size,
                                             dimension: config.projection_dim, activation: projectionActivation)
        func logitScale(_ name: String) throws -> Float {
            let value = try w.tensor(name, shape: [])[0]
            guard value.isFinite, exp(value).isFinite, exp(value) > 0 else {
                throw WeightsError(w.file.url.lastPathComponent, "tensor '\(w.key(name))' is \(value), not a usable logit scale")
            }
            return value
        }
        logitScaleAudio = try logitScale("logit_scale_a")
        logitScaleText = try logitScale("logit_scale_t")
        self.batchSize = max(1, batchSize)
    }

    /// Loads a Hugging Face CLAP directory: `config.json`, `model.safetensors`, `vocab.json`,
    /// `merges.txt`, and where they exist `tokenizer.json`, `tokenizer_config.json` and
    /// `preprocessor_config.json` (without it: laion/clap-htsat-unfused's).
    public static func load(directory: URL, batchSize: Int = 8, precision: Precision = .f32) throws -> ClapModel {
        let config = try ClapConfig.load(directory.appendingPathComponent("config.json"))
        let tokenizer = try ClapTokenizer(directory: directory,
                                          maxLength: config.text_config.max_position_embeddings - config.text_config.pad_token_id - 1)
        let preprocessorURL = directory.appendingPathComponent("preprocessor_config.json")
        let extractorConfig = FileManager.default.fileExists(atPath: preprocessorURL.path)
            ? try ClapFeatureExtractorConfig.load(preprocessorURL) : .unfused
        let weights = try SafeTensors(url: directory.appendingPathComponent("model.safetensors"))
        return try ClapModel(config: config, weights: Weights(weights, precision: precision), tokenizer: tokenizer,
                             featureExtractor: try ClapFeatureExtractor(config: extractorConfig), batchSize: batchSize)
    }

    // MARK: - Text

    /// Unit-length embeddings of texts, in order.
    public func embed(texts: [String], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        try textEmbeddings(tokenIDs: texts.map(tokenizer.encode), arena: arena)
    }

    /// Unit-length embeddings of token-id sequences (`<s>` … `</s>`, as `tokenizer.encode`
    /// makes them), in order; run `batchSize` at a time, similar lengths together.
    public func textEmbeddings(tokenIDs: [[Int32]], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        for ids in tokenIDs { try textModel.validate(ids) }
        let order = tokenIDs.indices.sorted { tokenIDs[$0].count < tokenIDs[$1].count }
        return PooledBatches.run(order: order, batchSize: batchSize, width: config.text_config.hidden_size,
                                 forward: { textModel.pooled($0.map { tokenIDs[$0] }, arena: arena, into: $1) },
                                 head: textProjection.embedding)
    }

    // MARK: - Audio

    /// The log-mel features of one clip of mono 48 kHz samples, `[frames, mel bins]`
    /// (`ClapFeatureExtractor`'s `input_features[0, 0]`); a clip longer than 10 s is cut at
    /// `cropOffset` samples (transformers picks it at random; 0 is the clip's start).
    public func features(audio48k samples: [Float], cropOffset: Int = 0) throws -> [Float] {
        try featureExtractor.features(samples, cropOffset: cropOffset)
    }

    /// Unit-length embeddings of clips of mono 48 kHz samples, in order. Clips longer than
    /// 10 s are cut at `cropOffsets[i]` (their start when not given). Throws for an empty clip
    /// or one with non-finite samples.
    public func embed(audio48k clips: [[Float]], cropOffsets: [Int]? = nil,
                      arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        let n = featureExtractor.featureCount
        var out: [[Float]] = []
        out.reserveCapacity(clips.count)
        var features = [Float](repeating: 0, count: min(batchSize, clips.count) * n)
        try features.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: clips.count, by: batchSize) {
                let count = min(batchSize, clips.count - start)
                for b in 0..<count {
                    try featureExtractor.features(clips[start + b], cropOffset: cropOffsets?[start + b] ?? 0,
                                                  into: buffer.baseAddress! + b * n)
                }
                out += embedFeatures(buffer.baseAddress!, count: count, arena: arena)
            }
        }
        return out
    }

    /// Unit-length embeddings of log-mel features: `features` holds `[count, frames, mel bins]`
    /// (transformers' `input_features` without its channel axis).
    public func audioEmbeddings(features: [Float], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        let n = featureExtractor.featureCount
        guard features.count % n == 0 else {
            throw InputError("\(features.count) feature values are not a whole number of \(n)-value spectrograms")
        }
        guard !features.isEmpty else { return [] }
        return features.withUnsafeBufferPointer { embedFeatures($0.baseAddress!, count: $0.count / n, arena: arena) }
    }

    private func embedFeatures(_ features: UnsafePointer<Float>, count: Int, arena: ScratchArena) -> [[Float]] {
        let n = featureExtractor.featureCount, frames = featureExtractor.config.frameCount
        return PooledBatches.run(order: Array(0..<count), batchSize: batchSize, width: config.audio_config.hidden_size,
                                 forward: { members, pooled in
                                     audioModel.pooled(features + members[0] * n, batch: members.count, frames: frames,
                                                       arena: arena, into: pooled)
                                 },
                                 head: audioProjection.embedding)
    }

    // MARK: - Zero-shot

    /// For each clip, the probability of each label: `softmax(exp(logit_scale_a) · cos)` over
    /// the labels, as `ClapModel(...).logits_per_audio.softmax(dim=-1)`.
    public func zeroShot(audio48k clips: [[Float]], labels: [String], arena: ScratchArena = ScratchArena()) throws -> [[Float]] {
        zeroShotProbabilities(audioEmbeddings: try embed(audio48k: clips, arena: arena),
                              textEmbeddings: try embed(texts: labels, arena: arena))
    }

    /// `softmax(exp(logitScale) · a · t)` over the texts, for each audio embedding (unit vectors);
    /// `logitScale` is `logitScaleAudio` unless given (`logitScaleText` for text → audio).
    public func zeroShotProbabilities(audioEmbeddings: [[Float]], textEmbeddings: [[Float]],
                                      logitScale: Float? = nil) -> [[Float]] {
        ZeroShot.probabilities(queries: audioEmbeddings, labels: textEmbeddings, logitScale: logitScale ?? logitScaleAudio)
    }
}
