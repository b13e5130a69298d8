/// The stable JSON of `mmsearch check --json`:
///
///     {"index": DIR, "sound": BOOL,
///      "problems": [{"kind": KIND, "space": {"name", "dimension", "fingerprint"} | absent,
///                    "message": TEXT, "repair": REMEDY, "files": [ABSOLUTE-PATH, …]}, …],
///      "notes": [TEXT, …],
///      "checked": {"spaces": N, "files": N, "rows": N, "checksummed_rows": N}}
///
/// `kind` is one of `IntegrityProblem.Kind`'s names (`catalog`, `vector-file-name`,
/// `vector-file`, `rows`, `checksum`, `bad-vector`, `missing-checksums`, `int8-copy`,
/// `approximate-index`, `tags`, `dead-rows`, `parts`, `keyword-index`); `repair` says what
/// `mmsearch repair` does: `rebuild` (derived data rebuilt), `reembed` (the rows of `files`
/// dropped, the files marked failed and embedded again by the next index run), `new-catalog`
/// (a new catalog; every file embedded again), `none`. `notes` are facts that need no
/// repair. New fields may be added; existing ones keep their names and meaning.
public struct CheckDocument: Codable, Sendable, Equatable {
    public struct Space: Codable, Sendable, Equatable {
        public let name: String
        public let dimension: Int
        public let fingerprint: String
    }

    public struct Problem: Codable, Sendable, Equatable {
        public let kind: IntegrityProblem.Kind
        public let space: Space?
        public let message: String
        public let repair: IntegrityProblem.Remedy
        public let files: [String]
    }

    public struct Checked: Codable, Sendable, Equatable {
        public let spaces: Int
        public let files: Int
        public let rows: Int
        public let checksummedRows: Int
        enum CodingKeys: String, CodingKey {
            case spaces, files, rows
            case checksummedRows = "checksummed_rows"
        }
    }

    public let index: String
    public let sound: Bool
    public let problems: [Problem]
    public let notes: [String]
    public let checked: Checked

    public init(_ report: IntegrityReport) {
        index = report.location
        sound = report.isSound
        problems = report.problems.map { problem in
            Problem(kind: problem.kind,
                    space: problem.space.map { Space(name: $0.name, dimension: $0.dimension, fingerprint: $0.fingerprint) },
                    message: problem.message, repair: problem.remedy, files: problem.files)
        }
        notes = report.notes
        checked = Checked(spaces: report.spaces, files: report.files, rows: report.rows,
                          checksummedRows: report.checksummedRows)
    }
}

/// The stable JSON of `mmsearch repair --json`:
///
///     {"index": DIR, "sound": BOOL,
///      "actions": [{"kind": KIND, "message": TEXT}, …],
///      "embed_again": [ABSOLUTE-PATH, …], "new_catalog": BOOL,
///      "found": CHECK, "remaining": CHECK}
///
/// `sound` tells whether the index is sound now; `actions` what was done, in order (`kind` as
/// in `CheckDocument`: the class of problem fixed); `embed_again` the files whose rows were
/// dropped (the next `mmsearch index` embeds them); `new_catalog` that a new catalog was
/// started (the next index run embeds every file); `found` and `remaining` are the
/// `mmsearch check --json` documents before and after.
public struct RepairDocument: Codable, Sendable, Equatable {
    public struct Action: Codable, Sendable, Equatable {
        public let kind: IntegrityProblem.Kind
        public let message: String
    }

    public let index: String
    public let sound: Bool
    public let actions: [Action]
    public let embedAgain: [String]
    public let newCatalog: Bool
    public let found: CheckDocument
    public let remaining: CheckDocument

    enum CodingKeys: String, CodingKey {
        case index, sound, actions, found, remaining
        case embedAgain = "embed_again"
        case newCatalog = "new_catalog"
    }

    public init(_ report: RepairReport) {
        index = report.found.location
        sound = report.isSound
        actions = report.actions.map { Action(kind: $0.kind, message: $0.message) }
        embedAgain = report.embedAgain
        newCatalog = report.newCatalog
        found = CheckDocument(report.found)
        remaining = CheckDocument(report.remaining)
    }
}
