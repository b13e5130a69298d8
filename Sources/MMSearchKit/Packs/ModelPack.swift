import Foundation
import MMTensor

/// A set of encoders that write into one shared space: text, image, … vectors from the same
/// pack can be compared with each other.
public struct ModelPack: Sendable {
    public let name: String
    public let space: SpaceID
    public let encoders: [any Encoder]
    /// Optional encoders of the pack that could not be loaded, and why (the `lite` pack's
    /// speech encoder without pocketsphinx's model): `mmsearch plugins` lists them.
    public let unavailable: [UnavailableEncoder]
    /// The softmax temperature of zero-shot labelling in this space, `T` in
    /// `p = softmax(cos / T)`: the pack's own, as CLIP and CLAP learn it (`1 / exp(logit_scale)`)
    /// or as it was fitted for the pack; 0.01 (a logit scale of 100, CLIP's) for a pack that
    /// does not know its own.
    public let labelTemperature: Float
    /// The precision its encoders run at (`ModelPackSource.precision`, as its loader honoured
    /// it: a loader that knows only f32 says so).
    public let precision: InferencePrecision

    /// Fails when an encoder writes into another space than the pack's, or when two encoders
    /// claim the same modality or the same file extension, or the temperature is not positive.
    public init(name: String, space: SpaceID, encoders: [any Encoder],
                unavailable: [UnavailableEncoder] = [], labelTemperature: Float = 0.01,
                precision: InferencePrecision = .f32) throws {
        guard labelTemperature > 0, labelTemperature.isFinite else {
            throw MMSearchError(.fatal, "pack '\(name)': label temperature \(labelTemperature) is not a positive number")
        }
        var modalities = Set<Modality>()
        var extensions = Set<String>()
        for encoder in encoders {
            let info = encoder.info
            guard info.space == space else {
                throw MMSearchError(.fatal, "encoder \(info.name) of pack '\(name)' writes into "
                                    + "\(info.space), not the pack's space \(space)")
            }
            guard modalities.insert(info.modality).inserted else {
                throw MMSearchError(.fatal, "pack '\(name)' has two \(info.modality) encoders")
            }
            for ext in info.fileExtensions where !extensions.insert(ext).inserted {
                throw MMSearchError(.fatal, "pack '\(name)' has two encoders for .\(ext) files")
            }
        }
        self.name = name
        self.space = space
        self.encoders = encoders
        self.unavailable = unavailable
        self.labelTemperature = labelTemperature
        self.precision = precision
    }

    /// The same pack with other encoders (a plugin added, audio limited).
    public func replacingEncoders(_ encoders: [any Encoder]) throws -> ModelPack {
        try ModelPack(name: name, space: space, encoders: encoders, unavailable: unavailable,
                      labelTemperature: labelTemperature, precision: precision)
    }

    /// The encoder of `modality`, if the pack has one.
    public func encoder(for modality: Modality) -> (any Encoder)? {
        encoders.first { $0.info.modality == modality }
    }

    /// The encoder that reads files with extension `ext` (case-insensitive, no dot).
    public func encoder(forFileExtension ext: String) -> (any Encoder)? {
        let ext = ext.lowercased()
        return encoders.first { $0.info.fileExtensions.contains(ext) }
    }

    /// The encoder that reads the file at `path`, judged by its extension.
    public func encoder(forFile path: String) -> (any Encoder)? {
        encoder(forFileExtension: FilePaths.fileExtension(path))
    }

    /// Every file extension some encoder of the pack reads, sorted.
    public var fileExtensions: [String] {
        encoders.flatMap(\.info.fileExtensions).sorted()
    }
}

/// An optional encoder a pack loads without, and why.
public struct UnavailableEncoder: Sendable, Equatable {
    public let name: String
    public let modality: Modality
    public let reason: String

    public init(name: String, modality: Modality, reason: String) {
        self.name = name
        self.modality = modality
        self.reason = reason
    }
}
