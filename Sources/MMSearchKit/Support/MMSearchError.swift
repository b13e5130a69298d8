import Foundation

/// An error meant for the person at the keyboard: one sentence that names what went wrong.
///
/// Library messages say what happened, never which command-line flag to use: a front end adds
/// its own advice from `reason` (the CLI: "re-index into another --index or pick --model X").
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

    /// Situations a front end may want to advise on; nil for the rest.
    public enum Reason: Sendable, Equatable {
        /// No index where one was expected.
        case indexMissing
        /// The index was written by a newer version.
        case indexTooNew
        /// The index has an older schema that only a writer upgrades.
        case indexNeedsUpgrade
        /// The index's files are damaged or disagree with each other in a way `repair` fixes
        /// (`IndexStore.repair`).
        case indexDamaged
        /// Another process is writing to the index.
        case indexLocked
        /// The index was built in one space, the encoder writes into another.
        case spaceMismatch(index: SpaceID, encoder: SpaceID)
        /// No pack of that name.
        case unknownPack
        /// A model folder named by the caller is missing or not the pack's.
        case modelFolder
        /// A model folder was named without the pack it holds.
        case modelFolderWithoutPack
        /// No labels were given to classify with.
        case noLabels
        /// A label filter names a label no file carries; `known` are the labels there are.
        case unknownLabel(known: [String])
    }

    public let kind: Kind
    public let message: String
    public let reason: Reason?

    public init(_ kind: Kind, _ message: String, reason: Reason? = nil) {
        self.kind = kind
        self.message = message
        self.reason = reason
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
        // Another dimension is never "other weights": say what differs.
        let dimensions = index.dimension == encoder.dimension ? ""
            : ": dimension \(index.dimension) vs \(encoder.dimension)"
        return .init(.fatal, "index built with \(built), encoder is \(asked)\(dimensions)",
                     reason: .spaceMismatch(index: index, encoder: encoder))
    }

    /// The usage error for the first of `asked` that no file carries (`known`: the labels the
    /// index holds), naming the labels there are; nil when every one is known.
    public static func unknownLabel(among asked: [String], known: Set<String>) -> MMSearchError? {
        guard let label = asked.first(where: { !known.contains($0) }) else { return nil }
        guard !known.isEmpty else {
            return .init(.usage, "no file in the index carries a label", reason: .unknownLabel(known: []))
        }
        return .init(.usage, "no file in the index carries the label '\(label)' (labels: "
                     + known.sorted().joined(separator: ", ") + ")", reason: .unknownLabel(known: known.sorted()))
    }

    /// No index at `location`.
    public static func indexMissing(_ location: String) -> MMSearchError {
        .init(.fatal, "no index in \(location)", reason: .indexMissing)
    }

    /// The index at `location` is damaged in a way `IndexStore.repair` fixes.
    public static func indexDamaged(_ location: String, _ detail: String) -> MMSearchError {
        .init(.fatal, "index \(location) is damaged: \(detail)", reason: .indexDamaged)
    }
}

/// The error a model pack's loader throws when its weights are not on disk.
public struct ModelsMissingError: Error, Sendable, CustomStringConvertible {
    public let pack: String
    public let directory: URL
    /// What exactly is missing or wrong (a file name, a checksum), if known.
    public let detail: String?
    /// The command that fetches the pack (default `Scripts/fetch/models.py <pack>`).
    public let fetchCommand: String

    public init(pack: String, directory: URL, detail: String? = nil, fetchCommand: String? = nil) {
        self.pack = pack
        self.directory = directory
        self.detail = detail
        self.fetchCommand = fetchCommand ?? "Scripts/fetch/models.py \(pack)"
    }

    public var description: String {
        let what = detail.map { " (\($0))" } ?? ""
        return "models for pack '\(pack)' not found in \(directory.path)\(what): "
            + "run \(fetchCommand)"
    }
}
