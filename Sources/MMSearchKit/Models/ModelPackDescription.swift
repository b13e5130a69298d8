import Foundation

/// What a program knows about a model pack before loading it: what it reads, where its weights
/// are expected, how to get them, and how much it is preferred as the default.
public struct ModelPackDescription: Sendable, Equatable {
    /// The pack's name (`lite`, `clip-vit-b32`), also the name of its space.
    public let name: String
    /// One line for people: the networks and what they are good for.
    public let summary: String
    /// What its built-in encoders read.
    public let modalities: [Modality]
    /// Files (relative to the pack's folder) that must all exist for the pack to count as
    /// present; the first missing one is named when it is not.
    public let requiredFiles: [String]
    /// Preference as the default for a new index: the present pack with the highest rank is
    /// chosen. nil: never chosen by default (a pack that reads no photos, say); only by name,
    /// or for an index that was built with it.
    public let defaultRank: Int?
    /// The command that puts the weights in place (`Scripts/fetch-models.sh clip`).
    public let fetchCommand: String

    public init(name: String, summary: String, modalities: [Modality], requiredFiles: [String],
                defaultRank: Int?, fetchCommand: String) {
        self.name = name
        self.summary = summary
        self.modalities = modalities
        self.requiredFiles = requiredFiles
        self.defaultRank = defaultRank
        self.fetchCommand = fetchCommand
    }

    /// Where the fetch script puts the pack: `<models>/<name>`.
    public func directory(in modelsDirectory: URL) -> URL {
        modelsDirectory.appendingPathComponent(name, isDirectory: true)
    }

    /// The required files missing from `directory` (empty: the pack is present there).
    public func missingFiles(in directory: URL) -> [String] {
        requiredFiles.filter { !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    /// Throws `ModelsMissingError` naming the first required file missing from `directory`
    /// and the fetch command; what a loader checks before it reads anything.
    public func requirePresent(in directory: URL) throws {
        if let first = missingFiles(in: directory).first {
            throw ModelsMissingError(pack: name, directory: directory, detail: "\(first) is missing",
                                     fetchCommand: fetchCommand)
        }
    }
}

/// Where a pack loader reads the pack from.
public struct ModelPackSource: Sendable {
    /// The pack's folder: `<models>/<pack>`, or the folder the user named (`--model-dir`).
    public let directory: URL
    /// True when the user named the folder: it need not look like a fetched pack (no manifest).
    public let isExplicit: Bool
    /// How the loader finds its files' digests for the space fingerprint.
    public let digests: WeightsDigest

    public init(directory: URL, isExplicit: Bool = false, digests: WeightsDigest = WeightsDigest(cacheDirectory: nil)) {
        self.directory = directory
        self.isExplicit = isExplicit
        self.digests = digests
    }
}

/// Which pack a command uses, and why.
public struct PackChoice: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Named with `--model`.
        case named
        /// The index at this folder was built with it.
        case index(URL)
        /// The present pack with the highest rank.
        case bestPresent
        /// No pack is present: the default pack, whose loading says how to fetch it.
        case fallback
    }

    public let name: String
    public let reason: Reason

    public init(name: String, reason: Reason) {
        self.name = name
        self.reason = reason
    }

    /// "the index at DIR was built with it", "the best pack present", …
    public var explanation: String {
        switch reason {
        case .named: "named with --model"
        case .index(let dir): "the index at \(dir.path) was built with it"
        case .bestPresent: "the best pack whose weights are present"
        case .fallback: "no pack's weights are present"
        }
    }
}
