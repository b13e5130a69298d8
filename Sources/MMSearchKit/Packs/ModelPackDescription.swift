import Foundation
import MMTensor

/// What a program knows about a model pack before loading it: what it reads, where its weights
/// are expected, how to get them, and how much it is preferred as the default. The built-in
/// packs' descriptions are data (`MMBuiltins`' `packs.json`, which the fetch script reads too).
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
    /// Files the pack reads when they are there (they change its vectors, so they are part of
    /// its space's fingerprint).
    public let optionalFiles: [String]
    /// Preference as the default for a new index: the present pack with the highest rank is
    /// chosen. nil: never chosen by default (a pack that reads no photos, say); only by name,
    /// or for an index that was built with it.
    public let defaultRank: Int?
    /// The command that puts the weights in place (`Scripts/fetch/models.py clip`).
    public let fetchCommand: String
    /// The precision a new index is built at when none is asked for (chosen per pack by
    /// measurement: `precision` in the table).
    public let defaultPrecision: InferencePrecision

    public init(name: String, summary: String, modalities: [Modality], requiredFiles: [String],
                optionalFiles: [String] = [], defaultRank: Int?, fetchCommand: String,
                defaultPrecision: InferencePrecision = .f32) {
        self.defaultPrecision = defaultPrecision
        self.name = name
        self.summary = summary
        self.modalities = modalities
        self.requiredFiles = requiredFiles
        self.optionalFiles = optionalFiles
        self.defaultRank = defaultRank
        self.fetchCommand = fetchCommand
    }

    /// A table of packs as the fetch script and `MMBuiltins` share it:
    /// `{"format": 1, "fetch_program": "Scripts/fetch/models.py", "packs": [{"name",
    /// "fetch_argument", "summary", "modalities", "default_rank", "required_files",
    /// "optional_files", "precision", …}, …]}` (other keys are the fetch script's).
    public struct Table: Decodable, Sendable {
        public let packs: [ModelPackDescription]

        enum CodingKeys: String, CodingKey { case format, fetchProgram = "fetch_program", packs }
        private struct Entry: Decodable {
            let name: String
            let fetch_argument: String
            let summary: String
            let modalities: [Modality]
            let default_rank: Int?
            let required_files: [String]
            let optional_files: [String]?
            let precision: InferencePrecision?
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let format = try c.decode(Int.self, forKey: .format)
            guard format == 1 else {
                throw DecodingError.dataCorruptedError(forKey: .format, in: c, debugDescription: "format \(format) is not 1")
            }
            let program = try c.decode(String.self, forKey: .fetchProgram)
            packs = try c.decode([Entry].self, forKey: .packs).map { entry in
                ModelPackDescription(name: entry.name, summary: entry.summary, modalities: entry.modalities,
                                     requiredFiles: entry.required_files, optionalFiles: entry.optional_files ?? [],
                                     defaultRank: entry.default_rank, fetchCommand: "\(program) \(entry.fetch_argument)",
                                     defaultPrecision: entry.precision ?? .f32)
            }
        }

        /// Reads the table in `url`; a missing or malformed file is an error naming it.
        public static func read(_ url: URL) throws -> Table {
            do {
                return try JSONDecoder().decode(Table.self, from: Data(contentsOf: url))
            } catch {
                throw MMSearchError(.fatal, "\(url.path): not a table of model packs (\(error))")
            }
        }
    }

    /// Where the fetch script puts the pack: `<models>/<name>`.
    public func directory(in modelsDirectory: URL) -> URL {
        modelsDirectory.appendingPathComponent(name, isDirectory: true)
    }

    /// The required files missing from `directory` (empty: the pack is present there).
    public func missingFiles(in directory: URL) -> [String] {
        requiredFiles.filter { !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    /// `requiredFiles` and the `optionalFiles` present in `directory`: the files that define the
    /// pack's vectors there.
    public func definingFiles(in directory: URL) -> [String] {
        requiredFiles + optionalFiles.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
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

/// Where a pack loader reads the pack from, and what the pack is.
public struct ModelPackSource: Sendable {
    /// The pack's folder: `<models>/<pack>`, or the folder the user named (`--model-dir`).
    public let directory: URL
    /// The pack's description: the files it needs and reads.
    public let description: ModelPackDescription
    /// True when the user named the folder: it need not look like a fetched pack (no manifest).
    public let isExplicit: Bool
    /// How the loader finds its files' digests for the space fingerprint.
    public let digests: WeightsDigest
    /// The number format the encoders are loaded at.
    public let precision: InferencePrecision

    public init(directory: URL, description: ModelPackDescription, isExplicit: Bool = false,
                digests: WeightsDigest = WeightsDigest(cacheDirectory: nil), precision: InferencePrecision = .f32) {
        self.directory = directory
        self.description = description
        self.isExplicit = isExplicit
        self.digests = digests
        self.precision = precision
    }
}

/// Which pack a command uses, and why.
public struct PackChoice: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Named by the caller.
        case named
        /// The index there (its location) was built with it.
        case index(String)
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

}
