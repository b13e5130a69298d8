import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch spaces [list|use|drop]`
struct SpacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spaces",
        abstract: "List the vector spaces of the index, switch the one queries use, or drop one.",
        discussion: """
            An index holds one space per model pack it was built with. Changing models \
            without losing search: `mmsearch index --model NEW FOLDER` builds NEW's space \
            beside the old one (run it again to resume; queries meanwhile keep using the \
            old space, never a mix of both); `mmsearch spaces` shows how far it got; \
            `mmsearch spaces use NEW` switches every later query to it in one write; \
            `mmsearch spaces drop OLD` frees the old vectors. A space is named by its pack \
            (`clip-vit-b32`), or NAME@FINGERPRINT-START where two share a name. A running \
            `mmsearch serve` keeps the space it started with until it is restarted. Needs no \
            models.

            EXAMPLES
              mmsearch spaces
              mmsearch index ~/Pictures --model clip-vit-b32
              mmsearch spaces use clip-vit-b32
              mmsearch spaces drop lite
            """,
        subcommands: [SpacesListCommand.self, SpacesUseCommand.self, SpacesDropCommand.self],
        defaultSubcommand: SpacesListCommand.self)
}

/// `mmsearch spaces list`
struct SpacesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the spaces: which one queries use, and how many files each holds.",
        discussion: """
            One line per space, oldest first: `*` marks the one queries use; FILES counts \
            the files indexed in it against the most any space holds (a space being built \
            beside another shows how far it got); FAILED the files that could not be read.
            --json prints {"spaces": [{"name", "dimension", "fingerprint", "active", "files", \
            "failed", "of", "precision", "storage"}]}.
            """)

    @OptionGroup var index: IndexLocationOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let spaces = try index.index(Locations.current()).spaceList()
        let most = spaces.map(\.counts.ok).max() ?? 0
        if json {
            print(try JSONOutput.encode(SpacesDocument(spaces: spaces.map { SpacesDocument.Space($0, of: most) })))
            return
        }
        guard !spaces.isEmpty else {
            Console.error("the index holds no space yet: `mmsearch index FOLDER` builds one")
            return
        }
        var rows: [[String]] = []
        for status in spaces {
            let done = most == 0 ? "0" : "\(status.counts.ok)/\(most)"
            let share = most == 0 ? "" : String(format: " (%.0f%%)", 100 * Double(status.counts.ok) / Double(most))
            rows.append([status.active ? "*" : "", status.space.name, String(status.space.dimension),
                       String(status.space.fingerprint.prefix(12)), done + share, String(status.counts.failed),
                       status.precision?.rawValue ?? "f32"])
        }
        for line in TextTable.lines(header: ["", "SPACE", "DIM", "FINGERPRINT", "FILES", "FAILED", "PRECISION"], rows: rows) {
            print(line)
        }
    }
}

/// The space a `spaces` subcommand acts on, and the index holding it.
struct SpaceArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The space: a pack's name, or NAME@FINGERPRINT-START.", valueName: "space"))
    var space: String

    @OptionGroup var index: IndexLocationOptions

    /// The index, the space it names and the space's file count.
    func resolve() throws -> (index: Index, space: SpaceRecord, files: Int) {
        let index = try index.index(Locations.current())
        let chosen = try index.space(named: space)
        return (index, chosen, try index.store.counts(of: chosen).ok)
    }
}

/// `mmsearch spaces use NAME`
struct SpacesUseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use",
        abstract: "Make every later query search this space (one write; a query running now finishes where it began).")

    @OptionGroup var target: SpaceArgument

    func run() throws {
        let (index, space, files) = try target.resolve()
        try index.use(space)
        Console.error("queries now search \(space.spaceID) (\(files) files)")
    }
}

/// `mmsearch spaces drop NAME`
struct SpacesDropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drop",
        abstract: "Remove a space that queries do not use, with its vectors.")

    @OptionGroup var target: SpaceArgument

    func run() throws {
        let (index, space, files) = try target.resolve()
        try index.drop(space)
        Console.error("dropped \(space.spaceID) (\(files) files)")
    }
}

/// What `mmsearch spaces --json` prints.
struct SpacesDocument: Encodable {
    struct Space: Encodable {
        let name: String
        let dimension: Int
        let fingerprint: String
        let active: Bool
        let files: Int
        let failed: Int
        /// The most files any space of the index holds.
        let of: Int
        let precision: String
        let storage: String

        init(_ status: SpaceStatus, of most: Int) {
            name = status.space.name
            dimension = status.space.dimension
            fingerprint = status.space.fingerprint
            active = status.active
            files = status.counts.ok
            failed = status.counts.failed
            of = most
            precision = (status.precision ?? .f32).rawValue
            storage = status.space.elementType
        }
    }
    let spaces: [Space]
}
