import Foundation

/// One term of a query expression: a text or a file and its weight. Subtracted terms have
/// negative weights.
public struct QueryTerm: Sendable, Equatable {
    public let query: Query
    /// Positive for the main query and added terms, negative for subtracted ones.
    public let weight: Float

    public init(_ query: Query, weight: Float = 1) {
        self.query = query
        self.weight = weight
    }
}

/// A query made of several terms, rclip's query arithmetic:
///
///     mmsearch query "a dog" + "in the snow" - ./cat.jpg
///     mmsearch query 2:"a dog" --add 0.5:./beach.jpg --subtract "people"
///
/// The vector searched is the weighted sum of the terms' unit embeddings (subtracted terms with
/// negative weights), normalised to unit length:
///
///     q = Σ wᵢ·eᵢ / ‖Σ wᵢ·eᵢ‖
///
/// so results rank exactly as rclip ranks them (rclip skips the normalisation, which changes
/// no order) and scores stay cosine similarities. Each term is embedded by the pack's encoder
/// for its kind: text by the text encoder, a file by the encoder of its type.
public struct QueryExpression: Sendable, Equatable {
    public let terms: [QueryTerm]

    public init(_ terms: [QueryTerm]) {
        self.terms = terms
    }

    public init(_ query: Query) {
        terms = [QueryTerm(query)]
    }

    /// The first term's query (the positional one of the command line).
    public var main: Query { terms[0].query }

    /// The texts of the terms that are added (weight > 0): what a keyword search looks for.
    public var positiveTexts: [String] {
        terms.compactMap { term in
            guard term.weight > 0, case .text(let text) = term.query else { return nil }
            return text
        }
    }

    /// True when the expression is one term of weight 1, a plain query.
    public var isSingle: Bool { terms.count == 1 && terms[0].weight == 1 }

    /// Reads a command line: the positional `query`, then the `--add` (`+`) and `--subtract`
    /// (`-`) terms, each with an optional `WEIGHT:` prefix as rclip writes it (`2:cat`,
    /// `0.5:./cat.jpg`, `.5:x`, `2.:x`). A term is a file or text by `Query.parse`'s rule.
    public static func parse(_ query: String, adding: [String] = [], subtracting: [String] = [],
                             locations: Locations) throws -> QueryExpression {
        var terms: [QueryTerm] = []
        let signed: [(String, Float)] = [(query, 1)] + adding.map({ ($0, 1) }) + subtracting.map({ ($0, -1) })
        for (argument, sign) in signed {
            let (weight, rest) = try splitWeight(argument)
            terms.append(QueryTerm(try parseTerm(rest, locations: locations), weight: sign * weight))
        }
        return QueryExpression(terms)
    }

    /// `2:cat` → (2, "cat"); `cat` → (1, "cat"). The weight is rclip's: digits with at most
    /// one decimal point, before the first colon. Something that looks like a weight but is not
    /// one (`1.2.3:cat`) or a weight with nothing after it (`2:`) is a usage error; to search for
    /// a text that starts with a number and a colon, weigh it explicitly: `1:10:30 meeting`.
    public static func splitWeight(_ argument: String) throws -> (weight: Float, rest: String) {
        guard let colon = argument.firstIndex(of: ":") else { return (1, argument) }
        let prefix = argument[..<colon]
        let rest = String(argument[argument.index(after: colon)...])
        guard !prefix.isEmpty, prefix.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else {
            return (1, argument)
        }
        let dots = prefix.filter { $0 == "." }.count
        guard dots <= 1, prefix != ".", let weight = Float(prefix.hasSuffix(".") ? prefix + "0" : String(prefix)),
              weight.isFinite else {
            throw MMSearchError(.usage, "\"\(argument)\": \"\(prefix)\" is not a weight; write a number "
                                + "such as 2 or 0.5 before the colon (2:\"a dog\")")
        }
        guard !rest.isEmpty else {
            throw MMSearchError(.usage, "\"\(argument)\": the weight \(prefix) is followed by nothing; "
                                + "write \(prefix):TEXT or \(prefix):./FILE")
        }
        return (weight, rest)
    }

    /// One term without its weight: a file or a text (`Query.parse`); `file://` URLs name
    /// files; other URLs are refused (mmsearch reads no network).
    static func parseTerm(_ argument: String, locations: Locations) throws -> Query {
        let lower = argument.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            throw MMSearchError(.usage, "\(argument): mmsearch does not download; save the file and "
                                + "query it as ./FILE")
        }
        if argument.hasPrefix("file://") {
            let path = String(argument.dropFirst("file://".count))
            return .file(URL(fileURLWithPath: locations.absolutePath(path.removingPercentEncoding ?? path)))
        }
        guard !argument.isEmpty else {
            throw MMSearchError(.usage, "a query term is empty: give a text or a file")
        }
        return Query.parse(argument, locations: locations)
    }

    /// The unit vector of `Σ weights[i]·vectors[i]` (unit vectors of one dimension); an error
    /// when the terms cancel out. A single term of weight 1 is its own vector, as it is.
    public static func combine(_ vectors: [[Float]], weights: [Float]) throws -> [Float] {
        precondition(vectors.count == weights.count && !vectors.isEmpty)
        if vectors.count == 1 && weights[0] == 1 { return vectors[0] }
        guard let combined = UnitVector.weightedSum(vectors, weights: weights) else {
            throw MMSearchError(.usage, "the query's terms cancel out (their weighted sum is zero): "
                                + "change a weight or a term")
        }
        return combined
    }
}
