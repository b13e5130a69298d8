import Foundation
import MMSearchKit
import MMTestSupport
import Testing

/// The search features through the `mmsearch` executable with the `lite` pack: help, query
/// arithmetic and filters, labels, hybrid search, dupes, stats, eval, and their usage errors.
@Suite(.serialized)
struct CommandLineFeaturesTests {
    static let repository = TestPaths.repository

    /// Media/ and the notes indexed once, by the command line.
    static let index: Result<ScratchDirectory, Error> = Result {
        let dir = try ScratchDirectory("cli-features")
        let run = try CommandLineTool.run(["index", "Media", "Tests/Fixtures/notes", "--index", dir.url.path],
                                          currentDirectory: repository)
        guard run.status == 0 else { throw SetupError("index failed: \(run.stderr)") }
        return dir
    }

    func mmsearch(_ arguments: [String]) throws -> CommandLineTool.Output {
        try CommandLineTool.run(arguments + ["--index", Self.index.get().url.path], currentDirectory: Self.repository)
    }

    @Test(arguments: ["index", "query", "embed", "plugins", "compact", "stats", "label", "describe", "dupes", "eval",
                      "migrate", "store"])
    func everySubcommandsHelpHasRunnableExamples(command: String) throws {
        let help = try CommandLineTool.run([command, "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("EXAMPLES") && help.stdout.contains("mmsearch \(command)"), "\(command) --help")
    }

    @Test func aCombinedQueryReportsItsTermsAndFindsWhatTheyShare() throws {
        let run = try mmsearch(["query", "an animal", "+", "2:stripes", "-", "./Media/horse.jpg", "--json", "-t", "3",
                                "--modality", "image"])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try JSONDecoder().decode(QueryResultsDocument.self, from: Data(run.stdout.utf8))
        #expect(document.query.terms?.map(\.weight) == [1, 2, -1])
        #expect(document.query.terms?.last?.kind == "file")
        #expect(document.results.first.map { URL(fileURLWithPath: $0.path).lastPathComponent } == "zebra.jpg")
    }

    @Test func filtersNarrowTheResultsAndTextHitsShowTheirSnippet() throws {
        let inNotes = try mmsearch(["query", "./Media/zebra.jpg", "--in", "Tests/Fixtures/notes", "-t", "2"])
        #expect(inNotes.status == 0, "\(inNotes.stderr)")
        let lines = inNotes.stdout.split(separator: "\n").map(String.init)
        // "score  path @ bytes START–END": the file and where in it the matching part lies.
        #expect(lines.first?.contains(" Tests/Fixtures/notes/safari-diary.md @ bytes ") == true, "\(inNotes.stdout)")
        #expect(lines.count > 1 && lines[1].hasPrefix("        ") && lines[1].contains("zebras"))
        let strict = try mmsearch(["query", "a dog", "--min-score", "0.99", "-f"])
        #expect(strict.status == 0 && strict.stdout.isEmpty)
    }

    @Test func labelsAreStoredAndFilterQueriesAndUnknownOnesAreUsageErrors() throws {
        let one = try mmsearch(["label", "Media/cat-chelsea.png", "--labels", "cat,dog,car"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.split(separator: "\n").first?.hasSuffix("  cat") == true, "\(one.stdout)")
        let all = try mmsearch(["label", "--all", "--labels", "an animal,a vehicle,food"])
        #expect(all.status == 0 && all.stdout.contains("files labelled"), "\(all.stderr)")
        let vehicles = try mmsearch(["query", "something red", "--label", "a vehicle", "-f", "-t", "50"])
        #expect(vehicles.status == 0 && vehicles.stdout.contains("fire-truck.jpg") && !vehicles.stdout.contains("zebra"))
        let unknown = try mmsearch(["query", "x", "--label", "unicorn"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unicorn") && unknown.stderr.contains("a vehicle"))
    }

    @Test func hybridSearchFindsAFileByAWordOfItsName() throws {
        let run = try mmsearch(["query", "diary", "--hybrid", "-t", "3", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try JSONDecoder().decode(QueryResultsDocument.self, from: Data(run.stdout.utf8))
        #expect(document.results.contains { $0.path.hasSuffix("safari-diary.md") && $0.fusion?.keywordRank != nil })
    }

    @Test func dupesStatsAndEvalReportOnTheIndex() throws {
        let dupes = try mmsearch(["dupes", "--threshold", "0.999", "--json"])
        #expect(dupes.status == 0, "\(dupes.stderr)")
        // Plain output: one block per group, and a summary on stderr that counts them.
        for threshold in ["0.8", "0.999"] {
            let plain = try mmsearch(["dupes", "--threshold", threshold])
            let blocks = plain.stdout.split(separator: "\n").filter { $0.contains(" files, cosine ") }.count
            let summary = plain.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(plain.status == 0 && summary.hasSuffix("files (cosine ≥ \(threshold))"), "\(summary)")
            #expect(blocks == 0 ? summary.hasPrefix("no near-duplicates among ")
                                : summary.hasPrefix("\(blocks) group"), "\(summary) for \(blocks) groups")
        }
        let stats = try mmsearch(["stats"])
        #expect(stats.status == 0 && stats.stdout.contains("anisotropy") && stats.stdout.contains("hubness"), "\(stats.stdout)")
        #expect(stats.stdout.contains("image") && stats.stdout.contains("text"))
        print(stats.stdout)
        let eval = try mmsearch(["eval", "--qrels", "Tests/Fixtures/lite/media-qrels.tsv", "--modality", "image"])
        #expect(eval.status == 0 && eval.stdout.contains("mean of 32 queries"), "\(eval.stderr)")
        print(eval.stdout)
    }

    @Test(arguments: [
        (["query", "1.2.3:dog"], "is not a weight"),
        (["query", "a dog", "+", "2:"], "followed by nothing"),
        (["label", "Media/zebra.jpg", "--labels", ""], "no labels"),
        (["label", "Media/zebra.jpg", "--labels", "cat,,dog"], "empty"),
        (["label", "Media/zebra.jpg"], "--labels"),
        (["label", "Media/zebra.jpg", "--labels", "a", "--template", "photo"], "{}"),
        (["eval", "--qrels", "Tests/Fixtures/lite/missing.tsv"], "missing.tsv"),
    ])
    func badArgumentsAreUsageErrorsThatSayWhy(arguments: [String], reason: String) throws {
        let run = try mmsearch(arguments)
        #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
        #expect(run.stderr.contains(reason), "\(arguments): \(run.stderr)")
        #expect(!run.stderr.contains("Fatal error"))
    }
}
