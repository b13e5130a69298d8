import Foundation

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
        var options = options
        if let directories = options.directories {
            let cwd = FileManager.default.currentDirectoryPath
            options.directories = directories.map { FilePaths.absolute($0, relativeTo: cwd) }
        }
        return options.hybrid
            ? try reader.hybridSearch(vector, texts: texts, limit: limit, options: options)
            : try reader.search(vector, limit: limit, options: options)
    }
}
