/// The stable JSON of `mmsearch dupes --json`:
///
///     {"threshold": T, "groups": [{"paths": [ABSOLUTE-PATH, …], "min_score": S, "max_score": S}, …]}
public struct DupesDocument: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        public let paths: [String]
        public let minScore: Float
        public let maxScore: Float
        enum CodingKeys: String, CodingKey {
            case paths
            case minScore = "min_score"
            case maxScore = "max_score"
        }
    }
    public let threshold: Float
    public let groups: [Group]

    public init(_ report: DuplicateReport) {
        threshold = report.threshold
        groups = report.groups.map { Group(paths: $0.paths, minScore: $0.minScore, maxScore: $0.maxScore) }
    }
}

/// The stable JSON of `mmsearch eval --json`:
///
///     {"queries": N, "mean": METRICS, "per_query": [{"query": Q, …METRICS}, …]}
///
/// with METRICS = `{"recall@1", "recall@5", "recall@10", "mrr", "ndcg@10", "returned",
/// "precision", "recall", "f1"}` (the last four: the set of results returned, `SetMetrics`;
/// the mean's ranking metrics are over the queries with relevant files, its set metrics over all).
public struct EvalDocument: Codable, Sendable, Equatable {
    public struct Metrics: Codable, Sendable, Equatable {
        public let recall1, recall5, recall10, mrr, ndcg10: Double
        public var returned: Double? = nil
        public var precision, recall, f1: Double?
        public var query: String? = nil
        enum CodingKeys: String, CodingKey {
            case recall1 = "recall@1", recall5 = "recall@5", recall10 = "recall@10", mrr, ndcg10 = "ndcg@10",
                 returned, precision, recall, f1, query
        }
        init(_ m: RankingMetrics, set: SetMetrics, query: String? = nil) {
            recall1 = m.recallAt1
            recall5 = m.recallAt5
            recall10 = m.recallAt10
            mrr = m.reciprocalRank
            ndcg10 = m.ndcgAt10
            returned = set.returned
            precision = set.precision
            recall = set.recall
            f1 = set.f1
            self.query = query
        }
    }
    public let queries: Int
    public let mean: Metrics
    public let perQuery: [Metrics]
    enum CodingKeys: String, CodingKey { case queries, mean, perQuery = "per_query" }

    public init(_ report: EvaluationReport) {
        queries = report.perQuery.count
        mean = Metrics(report.mean, set: report.meanSet)
        perQuery = report.perQuery.map { Metrics($0.metrics, set: $0.set, query: $0.query) }
    }
}

/// The stable JSON of `mmsearch label FILE… --json`:
///
///     {"labels": [NAME, …], "temperature": T,
///      "files": [{"path": ABSOLUTE-PATH, "labels": [{"label": NAME, "probability": P}, …]}, …]}
public struct LabelFilesDocument: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public let path: String
        public let labels: [LabelScore]
        public init(path: String, labels: [LabelScore]) {
            self.path = path
            self.labels = labels
        }
    }
    public let labels: [String]
    public let temperature: Float
    public let files: [File]

    public init(labels: [String], temperature: Float, files: [File]) {
        self.labels = labels
        self.temperature = temperature
        self.files = files
    }
}

/// The stable JSON of `mmsearch label --all --json`: `{"files": N, "labelled": N, "counts": {LABEL: N, …}}`.
public struct LabelAllDocument: Codable, Sendable, Equatable {
    public let files: Int
    public let labelled: Int
    public let counts: [String: Int]

    public init(_ summary: LabelAllSummary) {
        files = summary.items
        labelled = summary.labelled
        counts = summary.counts
    }
}

/// The stable JSON of `mmsearch describe --json`: `{"path": ABSOLUTE-PATH, "words": [{"word", "score"}, …]}`.
public struct DescribeDocument: Codable, Sendable, Equatable {
    public struct Word: Codable, Sendable, Equatable {
        public let word: String
        public let score: Float
    }
    public let path: String
    public let words: [Word]

    public init(path: String, words: [(word: String, score: Float)]) {
        self.path = path
        self.words = words.map { Word(word: $0.word, score: $0.score) }
    }
}
