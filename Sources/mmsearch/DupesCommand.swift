import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch dupes`
struct DupesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dupes",
        abstract: "List groups of near-duplicate indexed files.",
        discussion: """
            Two files are near-duplicates when the cosine similarity of their stored \
            vectors is at least --threshold (a text file's vector: the mean of its \
            chunks'); groups join near-duplicates transitively. Every pair is compared \
            once, as matrix products on every core: O(n²·d) time — about 6 core-seconds for 20 000 files. Prints one block per \
            group, largest first: a "N files, cosine MIN–MAX" line, then its paths \
            indented, and a summary line on stderr; --json prints \
            {"threshold": T, "groups": [{"paths": [ABSOLUTE-PATH, …], "min_score": S, \
            "max_score": S}, …]}. Needs no models: reads the index only.

            EXAMPLES
              mmsearch dupes
              mmsearch dupes --threshold 0.99 --json | jq '.groups | length'
            """)

    @Option(help: ArgumentHelp("Cosine similarity at or above which two files are near-duplicates.", valueName: "s"))
    var threshold: Float = 0.95

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @OptionGroup var index: IndexLocationOptions

    func validate() throws {
        if !(threshold > -1 && threshold <= 1) { throw ValidationError("--threshold must be in (-1, 1]") }
    }

    func run() throws {
        let locations = Locations.current()
        var documents: [DupesDocument.Group] = []
        var (files, grouped, groupCount) = (0, 0, 0)
        for reader in try SpaceReaders.all(index.resolve(locations)) {
            let matrix = try reader.matrix()
            let groups = DuplicateFinder.groups(matrix, threshold: threshold)
            files += matrix.items.count
            grouped += groups.reduce(0) { $0 + $1.paths.count }
            groupCount += groups.count
            if json {
                documents += groups.map { .init(paths: $0.paths, minScore: $0.minScore, maxScore: $0.maxScore) }
                continue
            }
            for group in groups {
                print("\(group.paths.count) files, cosine " + String(format: "%.4f–%.4f", group.minScore, group.maxScore))
                for path in group.paths { print("  " + FilePaths.display(path, from: locations.currentDirectory)) }
            }
        }
        if json {
            print(try JSONOutput.encode(DupesDocument(threshold: threshold, groups: documents)))
        } else {
            let cosine = String(format: "cosine ≥ %g", threshold)
            Console.error(groupCount == 0
                ? "no near-duplicates among \(files) files (\(cosine))"
                : "\(groupCount) group\(groupCount == 1 ? "" : "s") of near-duplicates, \(grouped) of \(files) files (\(cosine))")
        }
    }
}

/// `mmsearch dupes --json`.
struct DupesDocument: Encodable {
    struct Group: Encodable {
        let paths: [String]
        let minScore: Float
        let maxScore: Float
        enum CodingKeys: String, CodingKey {
            case paths
            case minScore = "min_score"
            case maxScore = "max_score"
        }
    }
    let threshold: Float
    let groups: [Group]
}

/// Readers for every space of an index, for the commands that need no models.
enum SpaceReaders {
    static func all(_ directory: URL) throws -> [IndexReader] {
        let store = try IndexStore.openForReading(at: directory)
        return try store.catalog.spaces().map { try IndexReader(directory: directory, space: $0.spaceID) }
    }
}
