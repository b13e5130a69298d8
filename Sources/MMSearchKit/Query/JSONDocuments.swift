import Foundation

/// The stable JSON that `mmsearch query --json` prints (schema version 1):
///
///     {"query": {"kind": "text", "value": "a dog"},
///      "space": {"name": "lite", "dimension": 384, "fingerprint": "…"},
///      "results": [{"path": "/abs/dog.jpg", "score": 0.8123, "modality": "image"},
///                  {"path": "/abs/walk.mp4", "score": 0.61, "modality": "video",
///                   "segment": {"start": 12.0, "end": 13.0, "score": 0.72}}]}
///
/// `kind` is `text` or `file` (then `value` is an absolute path); results are best first;
/// paths are absolute; scores are cosine similarities. New fields may be added; existing ones
/// keep their names and meaning.
public struct QueryResultsDocument: Codable, Sendable, Equatable {
    public struct QueryPart: Codable, Sendable, Equatable {
        public let kind: String
        public let value: String
    }

    public struct SpacePart: Codable, Sendable, Equatable {
        public let name: String
        public let dimension: Int
        public let fingerprint: String
    }

    public struct Result: Codable, Sendable, Equatable {
        public let path: String
        public let score: Float
        public let modality: String
        /// For time-based media, the part (seconds from the start) that best matches the query
        /// and its score; absent otherwise.
        public let segment: SegmentMatch?
    }

    public let query: QueryPart
    public let space: SpacePart
    public let results: [Result]

    public init(query: Query, space: SpaceID, hits: [SearchHit]) {
        self.query = QueryPart(kind: query.kind, value: query.value)
        self.space = SpacePart(space)
        results = hits.map { Result(path: $0.path, score: $0.score, modality: $0.modality.rawValue,
                                    segment: $0.segment) }
    }
}

/// The stable JSON that `mmsearch embed --json` prints:
///
///     {"input": {"kind": "text", "value": "a dog"}, "modality": "text",
///      "space": {"name": "lite", "dimension": 384, "fingerprint": "…"},
///      "dimension": 384, "vector": [0.0123, …]}
///
/// A recording read by its transcript adds `"transcript": "the words heard"`.
public struct EmbeddingDocument: Codable, Sendable, Equatable {
    public let input: QueryResultsDocument.QueryPart
    public let modality: String
    public let space: QueryResultsDocument.SpacePart
    public let dimension: Int
    public let vector: [Float]
    /// For a recording: the transcript its vector was made from; absent otherwise.
    public let transcript: String?

    public init(input: Query, embedding: Embedding) {
        self.input = .init(kind: input.kind, value: input.value)
        modality = embedding.modality.rawValue
        space = .init(embedding.space)
        dimension = embedding.vector.count
        vector = embedding.vector
        transcript = embedding.transcript
    }
}

extension QueryResultsDocument.SpacePart {
    init(_ space: SpaceID) {
        self.init(name: space.name, dimension: space.dimension, fingerprint: space.fingerprint)
    }
}

/// One JSON encoding for every document: sorted keys, unescaped slashes, one line.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
