import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch eval --qrels FILE`
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure search quality against relevance judgements.",
        discussion: """
            --qrels FILE is a TSV of judgements, one per line: "query<TAB>relevant path"; \
            several lines per query for several relevant files. Queries are texts or \
            files (./x.jpg), as for `mmsearch query`. Blank lines, lines starting with # \
            and a first line starting with "query<TAB>" (a header) are skipped. Relative \
            paths are resolved against --root (default: the qrels file's folder).

            A path "-" judges a query to have no relevant file.

            Runs every query (at most -t results, default 30, with the same filters as \
            `query`: --modality, --in, --label, --min-score, --cutoff, --hybrid) and prints the \
            mean over queries of Recall@1, Recall@5, Recall@10 (share of the relevant \
            files in the first k), MRR (1/rank of the first relevant result, 0 when it \
            is not in the first 10) and nDCG@10 (binary gains, log₂ discount), over the \
            queries with relevant files; then, over every query, how many results came \
            back and the precision, recall and F1 of that set (precision 1 when nothing \
            came back, recall 1 when nothing is relevant, F1 1 when both): how well \
            --cutoff or --min-score stops. \
            --per-query adds one line per query. --json prints \
            {"queries": N, "mean": METRICS, "per_query": [{"query": Q, …METRICS}, …]} \
            with METRICS = {"recall@1", "recall@5", "recall@10", "mrr", "ndcg@10", \
            "returned", "precision", "recall", "f1"}.

            EXAMPLES
              mmsearch index Media
              mmsearch eval --qrels Tests/Fixtures/lite/media-qrels.tsv
              mmsearch eval --qrels judgements.tsv --root ~/Pictures --per-query
              mmsearch eval --qrels Tests/Fixtures/lite/media-qrels.tsv --cutoff auto
            """)

    @Option(help: ArgumentHelp("The judgements: query<TAB>relevant path lines.", valueName: "file"))
    var qrels: String

    @Option(help: ArgumentHelp("Folder relative paths in the qrels file are resolved against.", valueName: "dir"))
    var root: String?

    @Option(name: [.customShort("t"), .customLong("top")], help: ArgumentHelp(
        "Most results per query (the returned set when no cutoff stops it sooner).", valueName: "n"))
    var top = 30

    @OptionGroup var filters: SearchFilterOptions

    @Flag(name: .customLong("per-query"), help: "Also print each query's metrics.")
    var perQuery = false

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions

    func run() throws {
        let locations = Locations.current()
        let judgements = try Qrels.read(URL(fileURLWithPath: locations.absolutePath(qrels)),
                                        root: root.map { locations.absolutePath($0) })
        let index = try self.index.index(locations)
        let engine = Engine(pack: try model.load(locations, index: index), index: index)
        let report = try engine.evaluate(judgements, options: try filters.options(locations), limit: top,
                                         locations: locations)
        if json {
            print(try JSONOutput.encode(EvalDocument(report)))
            return
        }
        let header = "recall@1  recall@5  recall@10     mrr  ndcg@10  returned  precision  recall     f1"
        func line(_ m: RankingMetrics, _ set: SetMetrics) -> String {
            String(format: "%8.3f  %8.3f  %9.3f  %6.3f  %7.3f  %8.1f  %9.3f  %6.3f  %5.3f", m.recallAt1, m.recallAt5,
                   m.recallAt10, m.reciprocalRank, m.ndcgAt10, set.returned, set.precision, set.recall, set.f1)
        }
        if perQuery {
            print(header + "  query")
            for (query, metrics, set) in report.perQuery { print(line(metrics, set) + "  " + query) }
        } else {
            print(header)
        }
        print(line(report.mean, report.meanSet) + "  (mean of \(report.perQuery.count) queries)")
    }
}
