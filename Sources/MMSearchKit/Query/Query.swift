import Foundation

/// What a user asks for: a text, or a file to find things similar to.
public enum Query: Sendable, Equatable {
    case text(String)
    /// An absolute file URL.
    case file(URL)

    /// Reads a command-line query: a file path when it starts with `./`, `../`, `/` or `~/`, or
    /// names an existing file; text otherwise. Paths are made absolute with `locations`.
    public static func parse(_ argument: String, locations: Locations) -> Query {
        let looksLikePath = ["./", "../", "/", "~/"].contains { argument.hasPrefix($0) }
        let path = locations.absolutePath(argument)
        var isDirectory: ObjCBool = false
        let isFile = !argument.isEmpty
            && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && !isDirectory.boolValue
        if looksLikePath || isFile { return .file(URL(fileURLWithPath: path)) }
        return .text(argument)
    }

    /// `text` or `file`.
    public var kind: String {
        switch self {
        case .text: "text"
        case .file: "file"
        }
    }

    /// The text, or the file's absolute path.
    public var value: String {
        switch self {
        case .text(let text): text
        case .file(let url): url.path
        }
    }
}

/// A vector together with where it lives and what it was made from.
public struct Embedding: Sendable, Equatable {
    public let vector: [Float]
    public let modality: Modality
    public let space: SpaceID
    /// For a file read as text passages (a recording's transcript, `PassageEncoder`): the
    /// text the vector was made from.
    public var transcript: String? = nil
}
