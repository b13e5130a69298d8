import Foundation
import MMTensor

extension Engine {
    /// The unit vector of a query expression: each term embedded by the pack's encoder for it,
    /// then `QueryExpression.combine`d (weighted sum of unit vectors, renormalised). A single
    /// term of weight 1 is its own embedding.
    public func embed(_ expression: QueryExpression) throws -> [Float] {
        precondition(!expression.terms.isEmpty, "a query expression has at least one term")
        let vectors = try expression.terms.map { try embed($0.query).vector }
        return try QueryExpression.combine(vectors, weights: expression.terms.map(\.weight))
    }

    /// The `limit` indexed files (text files: chunks) best matching `expression`, best first,
    /// through `options`' filters; with `options.hybrid`, the vector ranking fused with the
    /// keyword ranking of the expression's added texts (`HybridSearch`).
    public func search(_ expression: QueryExpression, limit: Int,
                       options: SearchOptions = SearchOptions()) throws -> [SearchHit] {
        try search(expression, limit: limit, options: options, in: try reader())
    }

    /// `search(_:limit:options:)` through a reader kept open (a service keeps one: it follows
    /// the index's commits without mapping its vectors again).
    public func search(_ expression: QueryExpression, limit: Int, options: SearchOptions,
                       in reader: IndexReader) throws -> [SearchHit] {
        try search(vector: try embed(expression), texts: expression.positiveTexts, limit: limit,
                   options: options, in: reader)
    }

    /// The search of an embedded query: `vector` ranked, fused with the keyword ranking of
    /// `texts` when `options.hybrid`.
    public func search(vector: [Float], texts: [String], limit: Int, options: SearchOptions,
                       in reader: IndexReader) throws -> [SearchHit] {
        let options = Self.resolved(options)
        return options.hybrid
            ? try reader.hybridSearch(vector, texts: texts, limit: limit, options: options)
            : try reader.search(vector, limit: limit, options: options)
    }

    /// Searches for several texts at once, as a service answering concurrent queries runs
    /// them: the texts embedded in one batch, the vectors scanned in one pass over the index
    /// (`IndexReader.search(_:)`). Each answer is the one
    /// `search(QueryExpression(.text(text)), limit:options:in:)` gives alone, number for
    /// number; an error fails its own search only.
    public func search(_ searches: [TextSearch], in reader: IndexReader) -> [Result<[SearchHit], Error>] {
        let embedded = BLAS.withThreads(threads) { embedTexts(searches.map(\.text)) }
        var results = [Result<[SearchHit], Error>](repeating: .success([]), count: searches.count)
        var scanned: [(index: Int, query: VectorSearchQuery)] = []
        for (i, search) in searches.enumerated() {
            let expression = QueryExpression(.text(search.text))
            let options = Self.resolved(search.options)
            do {
                let vector = try QueryExpression.combine([try embedded[i].get().vector],
                                                         weights: expression.terms.map(\.weight))
                if options.hybrid {
                    results[i] = Result {
                        try reader.hybridSearch(vector, texts: expression.positiveTexts, limit: search.limit,
                                                options: options)
                    }
                } else {
                    scanned.append((i, VectorSearchQuery(vector, limit: search.limit, options: options)))
                }
            } catch {
                results[i] = .failure(error)
            }
        }
        do {
            for (member, result) in zip(scanned, try reader.search(scanned.map(\.query))) {
                results[member.index] = result
            }
        } catch {
            for member in scanned { results[member.index] = .failure(error) }
        }
        return results
    }

    /// `options` with its folders made absolute (against the working directory).
    private static func resolved(_ options: SearchOptions) -> SearchOptions {
        var options = options
        if let directories = options.directories {
            let cwd = FileManager.default.currentDirectoryPath
            options.directories = directories.map { FilePaths.absolute($0, relativeTo: cwd) }
        }
        return options
    }
}

/// One plain-text search of `Engine.search(_:in:)`.
public struct TextSearch: Sendable {
    public let text: String
    public let limit: Int
    public let options: SearchOptions

    public init(_ text: String, limit: Int, options: SearchOptions = SearchOptions()) {
        self.text = text
        self.limit = limit
        self.options = options
    }
}
