import Foundation

/// What `mmsearch models` reports, and the stable JSON of `mmsearch models --json`:
///
///     {"models_directory": "/home/me/.cache/mmsearch/models",
///      "default": {"pack": "clip-vit-b32", "reason": "best-present"},
///      "packs": [{"name": "clip-vit-b32", "summary": "…", "modalities": ["text", "image"],
///                 "directory": "/home/me/.cache/mmsearch/models/clip-vit-b32",
///                 "present": true, "missing": [], "default_rank": 20,
///                 "fetch": "Scripts/fetch/models.py clip"}, …]}
///
/// `reason` is `named` (the caller named it), `index` (the index was built with it; `index` then holds the
/// index folder), `best-present` or `fallback` (no pack is present). `default_rank` is null for
/// a pack never chosen by default. New fields may be added; existing ones keep their meaning.
public struct ModelsDocument: Codable, Sendable, Equatable {
    public struct PackPart: Codable, Sendable, Equatable {
        public let name: String
        public let summary: String
        public let modalities: [String]
        public let directory: String
        public let present: Bool
        public let missing: [String]
        public let defaultRank: Int?
        /// The precision a new index is built at (`--precision`'s default).
        public let precision: String
        public let fetch: String

        enum CodingKeys: String, CodingKey {
            case name, summary, modalities, directory, present, missing
            case defaultRank = "default_rank"
            case precision, fetch
        }

        public func encode(to encoder: Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(summary, forKey: .summary)
            try c.encode(modalities, forKey: .modalities)
            try c.encode(directory, forKey: .directory)
            try c.encode(present, forKey: .present)
            try c.encode(missing, forKey: .missing)
            try c.encode(defaultRank, forKey: .defaultRank)  // null, not left out
            try c.encode(precision, forKey: .precision)
            try c.encode(fetch, forKey: .fetch)
        }
    }

    public struct DefaultPart: Codable, Sendable, Equatable {
        public let pack: String
        public let reason: String
        public let index: String?
    }

    public let modelsDirectory: String
    public let `default`: DefaultPart
    public let packs: [PackPart]

    enum CodingKeys: String, CodingKey {
        case modelsDirectory = "models_directory"
        case `default`, packs
    }

    public init(registry: ModelPackRegistry, modelsDirectory: URL, choice: PackChoice) {
        self.modelsDirectory = modelsDirectory.path
        let reason: String
        var index: String?
        switch choice.reason {
        case .named: reason = "named"
        case .index(let location): reason = "index"; index = location
        case .bestPresent: reason = "best-present"
        case .fallback: reason = "fallback"
        }
        self.default = DefaultPart(pack: choice.name, reason: reason, index: index)
        packs = registry.descriptions.map { pack in
            let dir = pack.directory(in: modelsDirectory)
            let missing = pack.missingFiles(in: dir)
            return PackPart(name: pack.name, summary: pack.summary, modalities: pack.modalities.map(\.rawValue),
                            directory: dir.path, present: missing.isEmpty, missing: missing,
                            defaultRank: pack.defaultRank, precision: pack.defaultPrecision.rawValue,
                            fetch: pack.fetchCommand)
        }
    }
}
