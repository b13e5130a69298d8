import Foundation
import MMMedia

/// What kind of thing an embedding was made from. Open: a plugin may bring a new modality.
public struct Modality: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let text = Modality("text")
    public static let image = Modality("image")
    public static let audio = Modality("audio")
    public static let video = Modality("video")

    public var description: String { rawValue }
}

/// A vector space shared by the encoders of one model pack. Vectors from different spaces must
/// never be compared: an index records the space it was built in and refuses any other.
public struct SpaceID: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Human name, usually the pack's (`lite`, `clip-vit-b32`).
    public let name: String
    public let dimension: Int
    /// Hash of the weights and preprocessing version that define the space.
    public let fingerprint: String

    public init(name: String, dimension: Int, fingerprint: String) {
        self.name = name
        self.dimension = dimension
        self.fingerprint = fingerprint
    }

    public var description: String { "\(name) (\(dimension)-d, \(fingerprint.prefix(12)))" }
}

/// Describes one encoder: what it reads and which space it writes into.
public struct EncoderInfo: Sendable, Hashable {
    public let name: String
    public let version: String
    public let modality: Modality
    public let space: SpaceID
    /// Lower-case file extensions without the dot (`jpg`, `png`).
    public let fileExtensions: [String]
    /// Where the encoder came from: `built-in`, or the path of a shared library.
    public let origin: String
    /// Settings that change how vectors are made without changing the version (a plugin's
    /// frame interval, say); part of `fingerprint`. Empty for most encoders.
    public let settings: String

    public init(name: String, version: String, modality: Modality, space: SpaceID,
                fileExtensions: [String], origin: String = "built-in", settings: String = "") {
        self.name = name
        self.version = version
        self.modality = modality
        self.space = space
        self.fileExtensions = fileExtensions.map { $0.lowercased() }
        self.origin = origin
        self.settings = settings
    }
}

/// One thing to embed.
public enum EncoderInput: Sendable {
    case text(String)
    case file(URL)
    case image(RGBImage)
}

/// An error an encoder reports for one input. The host records it against the input's path
/// and carries on with the others.
public struct EncoderError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How a text encoder measures text, so that the host can cut long documents into pieces the
/// encoder reads whole instead of truncating them.
public struct TextChunking: Sendable {
    /// The most tokens one input may have (special tokens not counted).
    public let maxTokens: Int
    /// Tokens in a text (special tokens not counted). May stop counting past `maxTokens`: any
    /// value above it means "too long".
    public let countTokens: @Sendable (String) -> Int

    public init(maxTokens: Int, countTokens: @escaping @Sendable (String) -> Int) {
        self.maxTokens = max(1, maxTokens)
        self.countTokens = countTokens
    }

    /// For a tokenizer that wraps every text in two special tokens (`[CLS]` and `[SEP]`, `<s>`
    /// and `</s>`, CLIP's start and end of text) and stops at `maxLength` tokens in all;
    /// `countWithSpecials` is its token count of a text. The tokenizer stops at that budget,
    /// so a count that reaches it means "at least that many": a chunk gets one token less than
    /// would fit, `maxLength − 3`, and a text that counts more is too long for sure.
    public static func wrapped(maxLength: Int,
                               countWithSpecials: @escaping @Sendable (String) -> Int) -> TextChunking {
        TextChunking(maxTokens: maxLength - 3) { countWithSpecials($0) - 2 }
    }

    /// The guess for encoders that say nothing: 256 tokens of about 4 bytes of UTF-8 each.
    public static let approximate = TextChunking(maxTokens: 256) { ($0.utf8.count + 3) / 4 }
}

/// The plugin protocol: every encoder, built in or loaded from a shared library, conforms.
///
/// Output vectors are L2-normalised and `info.space.dimension` long.
public protocol Encoder: Sendable {
    var info: EncoderInfo { get }
    /// For text encoders: how to measure text, so long documents are cut into fitting chunks.
    /// nil (the default) makes the host guess with `TextChunking.approximate`.
    var textChunking: TextChunking? { get }
    /// Embeds one input.
    func embed(_ input: EncoderInput) throws -> [Float]
    /// Embeds a batch; one result per input, in order, so one bad file never fails the rest.
    /// The default calls `embed(_:)` for each input; encoders that gain from batching override it.
    func embed(batch: [EncoderInput]) -> [Result<[Float], Error>]
    /// Embeds a batch, each input with the vectors of its parts (a video's frames, a long
    /// recording's windows) when the encoder has them. The default calls `embed(batch:)` and
    /// returns no parts.
    func embedWithParts(batch: [EncoderInput]) -> [Result<FileEmbedding, Error>]
}

extension Encoder {
    public var textChunking: TextChunking? { nil }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        batch.map { input in Result { try embed(input) } }
    }
}
