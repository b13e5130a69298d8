import Foundation

/// Why a media file could not be read or decoded.
///
/// Its description names the file and the reason, ready to show to a user:
/// `photos/x.jpg: truncated JPEG (premature end of data)`.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad cause, for callers that react differently (e.g. count files over a limit).
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be opened or read (missing, permissions, a directory…).
        case unreadable
        /// The file has no bytes.
        case emptyFile
        /// The file is larger than `ImageLimits.maxFileBytes` (or `AudioLimits.maxFileBytes`).
        case fileTooLarge
        /// The content is not a format this module decodes (detected from the first bytes).
        case notAnImage
        /// The content is not an audio format this module recognises (detected from the first
        /// bytes, never from the name).
        case notAudio
        /// The data ends before the image (or the audio its header declares) does.
        case truncated
        /// The data is damaged or invalid for its format (bad CRC, bad Huffman code, …).
        case corrupt
        /// The declared image size is above `ImageLimits.maxPixels`.
        case tooManyPixels
        /// Valid data of a kind not supported (12-bit JPEG, 2-component JPEG, an AIFF or AAC file,
        /// a WAV codec libsndfile does not decode, a sample rate libsamplerate cannot convert, …).
        case unsupported
        /// Memory ran out while decoding.
        case outOfMemory
    }

    /// The file as the caller named it (a path, or a label for in-memory data).
    public let path: String
    public let kind: Kind
    /// A short human-readable reason, without the path.
    public let reason: String

    public init(path: String, kind: Kind, reason: String) {
        self.path = path
        self.kind = kind
        self.reason = reason
    }

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}

extension MediaError {
    /// A file that could not be opened, stat'ed or read: `action` is "open", "stat" or "read".
    static func unreadable(_ name: String, _ action: String, errno code: Int32) -> MediaError {
        MediaError(path: name, kind: .unreadable, reason: "cannot \(action) (\(String(cString: strerror(code))))")
    }

    /// Data a decoder refused as damaged: "corrupt JPEG: bad Huffman code".
    static func corrupt(_ name: String, _ format: String, _ detail: String) -> MediaError {
        MediaError(path: name, kind: .corrupt, reason: "corrupt \(format): \(detail)")
    }

    /// Valid data a decoder does not handle: "unsupported JPEG: JPEG with 2 components".
    static func unsupported(_ name: String, _ format: String, _ detail: String) -> MediaError {
        MediaError(path: name, kind: .unsupported, reason: "unsupported \(format): \(detail)")
    }

    /// Memory ran out while decoding: "out of memory decoding PNG", then the decoder's words
    /// after a colon when it has any.
    static func outOfMemory(_ name: String, _ format: String, detail: String? = nil) -> MediaError {
        MediaError(path: name, kind: .outOfMemory, reason: "out of memory decoding \(format)" + (detail.map { ": \($0)" } ?? ""))
    }

    /// A file above the byte limit of its kind.
    static func tooLarge(_ name: String, _ size: Int, _ limit: Int) -> MediaError {
        MediaError(path: name, kind: .fileTooLarge,
                   reason: "file is \(byteCount(size)), above the limit of \(byteCount(limit))")
    }
}
