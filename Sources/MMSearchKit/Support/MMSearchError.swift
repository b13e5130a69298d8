import Foundation

/// An error meant for the person at the keyboard: one sentence that names what went wrong
/// and, where there is one, what to do about it.
public struct MMSearchError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is; the CLI turns it into its exit status.
    public enum Kind: Sendable, Equatable {
        /// The request itself cannot be carried out as asked (bad argument, unknown pack,
        /// missing or unsupported query file).
        case usage
        /// The request was understood, but its input could not be embedded.
        case inputFailed
        /// Nothing useful can be done: models missing, index unreadable, space mismatch.
        case fatal
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension MMSearchError {
    /// An index built in one space met an encoder of another.
    public static func spaceMismatch(index: SpaceID, encoder: SpaceID) -> MMSearchError {
        var (built, asked) = (index.description, encoder.description)
        if built == asked {  // fingerprints differ beyond the short form: show them whole
            built = "\(index.name) (\(index.dimension)-d, \(index.fingerprint))"
            asked = "\(encoder.name) (\(encoder.dimension)-d, \(encoder.fingerprint))"
        }
        let advice = index.name == encoder.name
            ? "the \(index.name) weights changed since the index was built; re-index into another --index"
            : "re-index into another --index or pick --model \(index.name)"
        return .init(.fatal, "index built with \(built), encoder is \(asked): \(advice)")
    }

    static func indexUnreadable(_ directory: URL, _ reason: String) -> MMSearchError {
        .init(.fatal, "index \(directory.path) cannot be read: \(reason)")
    }

    static func indexMissing(_ directory: URL) -> MMSearchError {
        .init(.fatal, "no index in \(directory.path): run `mmsearch index FOLDER` first "
              + "(or pass --index DIR)")
    }
}

/// The error a model pack's loader throws when its weights are not on disk.
public struct ModelsMissingError: Error, Sendable, CustomStringConvertible {
    public let pack: String
    public let directory: URL
    /// What exactly is missing or wrong (a file name, a checksum), if known.
    public let detail: String?
    /// The command that fetches the pack (default `Scripts/fetch-models.sh <pack>`).
    public let fetchCommand: String

    public init(pack: String, directory: URL, detail: String? = nil, fetchCommand: String? = nil) {
        self.pack = pack
        self.directory = directory
        self.detail = detail
        self.fetchCommand = fetchCommand ?? "Scripts/fetch-models.sh \(pack)"
    }

    public var description: String {
        let what = detail.map { " (\($0))" } ?? ""
        return "models for pack '\(pack)' not found in \(directory.path)\(what): "
            + "run \(fetchCommand)"
    }
}
