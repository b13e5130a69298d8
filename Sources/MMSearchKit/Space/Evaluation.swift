import Foundation

/// Relevance judgements for `mmsearch eval`, read from a TSV file:
///
///     # comment
///     query<TAB>relevant path
///     a dog<TAB>photos/dog-samoyeds.jpg
///     a dog<TAB>photos/dog-2.jpg          ← several lines per query: several relevant files
///
/// One judgement per line: the query (text, or a file as `Query.parse` reads it: `./x.jpg`),
/// a tab, and a path relevant to it, or `-` for a query with no relevant file (one that an
/// answer which knows when to stop, `SearchOptions.cutoff`, should answer with nothing). Blank lines and lines starting with `#` are skipped, and
/// so is a first line whose first field is `query` (a header). Relative paths are resolved
/// against `root` (the qrels file's folder unless given). Queries keep their first-seen order.
public struct Qrels: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let query: String
        /// Absolute, standardised paths.
        public let relevant: Set<String>
    }

    public let entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses `text`; `source` names the file in errors.
    public static func parse(_ text: String, source: String, root: String) throws -> Qrels {
        var order: [String] = []
        var relevant: [String: Set<String>] = [:]
        // "\r\n" is one Character in Swift, and a line break like "\n".
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if order.isEmpty && number == 0 && fields.first == "query" { continue }
            guard fields.count == 2 else {
                throw MMSearchError(.usage, "\(source):\(number + 1): expected \"query<TAB>relevant path\", "
                                    + "found \(fields.count) tab-separated fields")
            }
            let query = fields[0].trimmingCharacters(in: .whitespaces)
            let path = fields[1].trimmingCharacters(in: .whitespaces)
            guard !query.isEmpty, !path.isEmpty else {
                throw MMSearchError(.usage, "\(source):\(number + 1): the query or the path is empty")
            }
            if relevant[query] == nil { order.append(query) }
            if path == "-" {
                relevant[query, default: []].formUnion([])
            } else {
                relevant[query, default: []].insert(FilePaths.absolute(path, relativeTo: root))
            }
        }
        guard !order.isEmpty else { throw MMSearchError(.usage, "\(source): has no judgements") }
        return Qrels(entries: order.map { Entry(query: $0, relevant: relevant[$0] ?? []) })
    }

    /// Reads a qrels file; relative paths against `root`, else the file's folder.
    public static func read(_ url: URL, root: String? = nil) throws -> Qrels {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw MMSearchError(.usage, "\(url.path): cannot read the qrels file (\(error.localizedDescription))")
        }
        return try parse(text, source: url.path, root: root ?? url.deletingLastPathComponent().path)
    }
}

/// Retrieval metrics of one ranking against its relevant set (binary relevance):
///
/// - Recall@k = |relevant ∩ first k| / |relevant|, for k = 1, 5, 10;
/// - reciprocal rank = 1 / rank of the first relevant result (0 when none is in the first 10),
///   averaged over queries: MRR;
/// - nDCG@10 = DCG@10 / ideal DCG@10, DCG = Σ_{relevant at rank r ≤ 10} 1 / log₂(r + 1).
///
/// A path ranked twice (two chunks of one text file) counts at its first rank only.
public struct RankingMetrics: Sendable, Equatable {
    public var recallAt1: Double
    public var recallAt5: Double
    public var recallAt10: Double
    public var reciprocalRank: Double
    public var ndcgAt10: Double

    public init(ranking: [String], relevant: Set<String>) {
        var seen = Set<String>()
        let ranked = ranking.filter { seen.insert($0).inserted }.prefix(10)
        func recall(_ k: Int) -> Double {
            relevant.isEmpty ? 0 : Double(ranked.prefix(k).filter(relevant.contains).count) / Double(relevant.count)
        }
        recallAt1 = recall(1)
        recallAt5 = recall(5)
        recallAt10 = recall(10)
        reciprocalRank = ranked.firstIndex(where: relevant.contains).map { 1 / Double($0 - ranked.startIndex + 1) } ?? 0
        var dcg = 0.0
        for (i, path) in ranked.enumerated() where relevant.contains(path) { dcg += 1 / log2(Double(i + 2)) }
        let ideal = (0..<min(10, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        ndcgAt10 = ideal > 0 ? dcg / ideal : 0
    }

    init(recallAt1: Double, recallAt5: Double, recallAt10: Double, reciprocalRank: Double, ndcgAt10: Double) {
        self.recallAt1 = recallAt1
        self.recallAt5 = recallAt5
        self.recallAt10 = recallAt10
        self.reciprocalRank = reciprocalRank
        self.ndcgAt10 = ndcgAt10
    }

    /// The mean of each metric over `all` (MRR for the reciprocal ranks).
    public static func mean(_ all: [RankingMetrics]) -> RankingMetrics {
        let n = Double(max(1, all.count))
        func m(_ f: (RankingMetrics) -> Double) -> Double { all.reduce(0) { $0 + f($1) } / n }
        return RankingMetrics(recallAt1: m(\.recallAt1), recallAt5: m(\.recallAt5), recallAt10: m(\.recallAt10),
                              reciprocalRank: m(\.reciprocalRank), ndcgAt10: m(\.ndcgAt10))
    }
}

/// How well the set of results a search returned (all of them, whatever their order) matches
/// the relevant set: precision |returned ∩ relevant| / |returned| (1 when nothing is returned:
/// nothing wrong was), recall |returned ∩ relevant| / |relevant| (1 when nothing is relevant),
/// and F1 = 2 |returned ∩ relevant| / (|returned| + |relevant|) (1 when both are empty). What a
/// cutoff (`SearchOptions.cutoff`, `minimumScore`) is measured by.
public struct SetMetrics: Sendable, Equatable {
    /// How many files were returned (a mean: its mean).
    public var returned: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double

    public init(returned paths: [String], relevant: Set<String>) {
        let set = Set(paths)
        let found = Double(set.intersection(relevant).count)
        returned = Double(set.count)
        precision = set.isEmpty ? 1 : found / Double(set.count)
        recall = relevant.isEmpty ? 1 : found / Double(relevant.count)
        f1 = set.isEmpty && relevant.isEmpty ? 1 : 2 * found / Double(set.count + relevant.count)
    }

    init(returned: Double, precision: Double, recall: Double, f1: Double) {
        self.returned = returned
        self.precision = precision
        self.recall = recall
        self.f1 = f1
    }

    /// The mean of each metric over `all`.
    public static func mean(_ all: [SetMetrics]) -> SetMetrics {
        let n = Double(max(1, all.count))
        func m(_ f: (SetMetrics) -> Double) -> Double { all.reduce(0) { $0 + f($1) } / n }
        return SetMetrics(returned: m(\.returned), precision: m(\.precision),
                          recall: m(\.recall), f1: m(\.f1))
    }
}

/// What `Engine.evaluate` measured: each query's metrics and the means. The ranking means are
/// over the queries with relevant files; the set means over every query.
public struct EvaluationReport: Sendable {
    public let perQuery: [(query: String, metrics: RankingMetrics, set: SetMetrics)]
    public let mean: RankingMetrics
    public let meanSet: SetMetrics
}

extension Engine {
    /// Runs every query of `qrels` (at most `limit` results each, through `options`' filters
    /// and cutoff) and scores the rankings (their first 10) and the returned sets.
    public func evaluate(_ qrels: Qrels, options: SearchOptions = SearchOptions(), limit: Int = 30,
                         locations: Locations) throws -> EvaluationReport {
        var perQuery: [(query: String, metrics: RankingMetrics, set: SetMetrics)] = []
        let reader = try reader()
        for entry in qrels.entries {
            let expression = QueryExpression(Query.parse(entry.query, locations: locations))
            let hits = try search(expression, limit: limit, options: options, in: reader)
            let paths = hits.map(\.path)
            perQuery.append((entry.query, RankingMetrics(ranking: paths, relevant: entry.relevant),
                             SetMetrics(returned: paths, relevant: entry.relevant)))
        }
        // `perQuery` follows `qrels.entries` one for one.
        let judged = zip(qrels.entries, perQuery).filter { !$0.0.relevant.isEmpty }.map(\.1.metrics)
        return EvaluationReport(perQuery: perQuery, mean: RankingMetrics.mean(judged),
                                meanSet: SetMetrics.mean(perQuery.map(\.set)))
    }
}
