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
/// keep their names and meaning. Optional fields, absent when they do not apply:
///
/// - `query.terms`: with `+`/`-` terms, every term `{"kind", "value", "weight"}` (the first is
///   the positional query; subtracted terms have negative weights);
/// - `results[].part`: the part of the file that matched, `{"index": N, "score": S,
///   "bytes": {"start": BYTE, "end": BYTE}, "time": {"start": S, "end": S}, "snippet": TEXT}`
///   (`bytes` for a text file's chunk and a transcript passage, `time` for a passage and a
///   video's frame, `snippet` for parts with text), and `"region": {"x", "y", "width",
///   "height"}` for text read in an image (pixels of the upright image);
/// - `results[].chunk`: for a part with text (a text file's chunk, a transcript passage), the
///   same as `{"index": N, "start": BYTE, "end": BYTE, "snippet": TEXT}` (kept from schema 1);
/// - `results[].segment`: for a video's frame (a part without text), `{"start", "end",
///   "score"}` (kept from schema 1);
/// - `results[].labels`: the file's stored labels `[{"label", "probability"}]`, best first;
/// - `results[].fusion`: with `--hybrid`, `{"score", "vector_rank", "keyword_rank"}` (ranks
///   1-based, absent when not in that ranking);
/// - `results[].date`: when the file was made, `{"value": "2024-06-15T14:30:00+02:00", "source":
///   "taken"|"modified"}`: a photo's EXIF date taken (the offset only when the file records
///   one), else the file's modification time on the clock of the machine that searched;
/// - `results[].camera`: a photo's camera (`Canon EOS R5`);
/// - `results[].position`: where a photo was taken, `{"latitude", "longitude"}` in degrees.
public struct QueryResultsDocument: Codable, Sendable, Equatable {
    public struct QueryPart: Codable, Sendable, Equatable {
        public let kind: String
        public let value: String
        /// Every term of a combined query; absent for a plain one.
        public var terms: [Term]? = nil

        public init(kind: String, value: String, terms: [Term]? = nil) {
            self.kind = kind
            self.value = value
            self.terms = terms
        }

        /// How the command line describes `expression`: its first term, and every term when
        /// there are several or a weight.
        public init(_ expression: QueryExpression) {
            self.init(kind: expression.main.kind, value: expression.main.value)
            if !expression.isSingle {
                terms = expression.terms.map { Term(kind: $0.query.kind, value: $0.query.value, weight: $0.weight) }
            }
        }
    }

    /// One term of a combined query.
    public struct Term: Codable, Sendable, Equatable {
        public let kind: String
        public let value: String
        public let weight: Float

        public init(kind: String, value: String, weight: Float) {
            self.kind = kind
            self.value = value
            self.weight = weight
        }
    }

    /// The part of a file that matched.
    public struct PartPart: Codable, Sendable, Equatable {
        public struct Bytes: Codable, Sendable, Equatable {
            public let start: Int
            public let end: Int

            public init(start: Int, end: Int) {
                self.start = start
                self.end = end
            }
        }
        public let index: Int
        public let score: Float
        public let bytes: Bytes?
        public let time: TimeSpan?
        /// Where text read in an image lies in it.
        public let region: ImageRegion?
        public let snippet: String?

        public init(_ match: MatchedPart) {
            index = match.index
            score = match.score
            bytes = match.bytes.map { Bytes(start: $0.lowerBound, end: $0.upperBound) }
            time = match.time
            region = match.region
            snippet = match.text == nil ? nil : match.part.snippet()
        }
    }

    /// A text file's matching chunk.
    public struct ChunkPart: Codable, Sendable, Equatable {
        public let index: Int
        /// Byte offsets of the chunk in the file.
        public let start: Int
        public let end: Int
        public let snippet: String
    }

    public struct SpacePart: Codable, Sendable, Equatable {
        public let name: String
        public let dimension: Int
        public let fingerprint: String
    }

    /// A video's best frame, as schema 1 wrote it.
    public struct SegmentPart: Codable, Sendable, Equatable {
        public let start: Double
        public let end: Double
        public let score: Float
    }

    /// When a file was made (see `FileDate`).
    public struct DatePart: Codable, Sendable, Equatable {
        /// ISO 8601 wall-clock time, with the UTC offset when known.
        public let value: String
        public let source: FileDate.Source

        public init(_ date: FileDate) {
            value = date.iso8601
            source = date.source
        }

        /// The date this part says; nil for a value that is not one.
        public var date: FileDate? {
            let text = Array(value)
            guard text.count >= 19, let local = WallClock.start(of: String(text[0..<19])) else { return nil }
            var offset: Int?
            let rest = String(text[19...])
            if !rest.isEmpty {
                let digits = rest.dropFirst().split(separator: ":")
                guard rest.first == "+" || rest.first == "-", digits.count == 2,
                      let hours = Int(digits[0]), let minutes = Int(digits[1]) else { return nil }
                offset = (rest.first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            }
            return FileDate(localSeconds: local, utcOffsetSeconds: offset, source: source)
        }
    }

    /// Where a photo was taken, in degrees (north and east positive).
    public struct PositionPart: Codable, Sendable, Equatable {
        public let latitude: Double
        public let longitude: Double

        public init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    public struct Result: Codable, Sendable, Equatable {
        /// The store's id of the file.
        public let id: Int64
        public let path: String
        public let score: Float
        public let modality: String
        /// The part of the file that matched; absent for a file without parts.
        public var part: PartPart? = nil
        /// For time-based media, the part (seconds from the start) that best matches the query
        /// and its score; absent otherwise.
        public var segment: SegmentPart? = nil
        public var chunk: ChunkPart? = nil
        /// The file's stored labels; absent when it has none.
        public var labels: [LabelScore]? = nil
        public var fusion: FusionRanks? = nil
        public var date: DatePart? = nil
        public var camera: String? = nil
        public var position: PositionPart? = nil
    }

    /// What was asked; a client of a service puts its own words back here (a file's path, not
    /// the name of its upload).
    public var query: QueryPart
    public let space: SpacePart
    public let results: [Result]

    public init(query: Query, space: SpaceID, hits: [SearchHit]) {
        self.init(expression: QueryExpression(query), space: space, hits: hits)
    }

    public init(expression: QueryExpression, space: SpaceID, hits: [SearchHit]) {
        self.init(query: QueryPart(expression), space: space, hits: hits)
    }

    /// The document of a query described by `query` (a service's query by an indexed file's id
    /// or by an upload says so there).
    public init(query: QueryPart, space: SpaceID, hits: [SearchHit]) {
        self.query = query
        self.space = SpacePart(space)
        results = hits.map { hit in
            var result = Result(id: hit.fileID, path: hit.path, score: hit.score, modality: hit.modality.rawValue)
            if let match = hit.part {
                result.part = PartPart(match)
                if let bytes = match.bytes, match.text != nil {
                    result.chunk = ChunkPart(index: match.index, start: bytes.lowerBound, end: bytes.upperBound,
                                             snippet: match.part.snippet())
                } else if let time = match.time {
                    result.segment = SegmentPart(start: time.start, end: time.end, score: match.score)
                }
            }
            result.labels = hit.labels.isEmpty ? nil : hit.labels
            result.fusion = hit.fusion
            result.date = hit.date.map(DatePart.init)
            result.camera = hit.camera
            result.position = hit.photo?.position.map { PositionPart(latitude: $0.latitude, longitude: $0.longitude) }
            return result
        }
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
        self.init(input: .init(kind: input.kind, value: input.value), embedding: embedding)
    }

    /// The document of an input the command line does not take (a service's upload).
    public init(input: QueryResultsDocument.QueryPart, embedding: Embedding) {
        self.input = input
        modality = embedding.modality.rawValue
        space = .init(embedding.space)
        dimension = embedding.vector.count
        vector = embedding.vector
        transcript = embedding.transcript
    }
}

extension QueryResultsDocument.SpacePart {
    public init(_ space: SpaceID) {
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

extension QueryResultsDocument.Result {
    /// The search hit this result shows (a service's client prints it as a local search would).
    public var hit: SearchHit {
        let matched = part.map { part in
            MatchedPart(part: FilePart(index: part.index, bytes: part.bytes.map { $0.start..<$0.end },
                                       time: part.time, text: part.snippet, region: part.region),
                        score: part.score)
        }
        let photo = camera != nil || position != nil
            ? PhotoMetadata(cameraModel: camera,
                            position: position.map { PhotoMetadata.Position(latitude: $0.latitude, longitude: $0.longitude) })
            : nil
        return SearchHit(fileID: id, path: path, score: score, modality: Modality(modality), part: matched,
                         labels: labels ?? [], fusion: fusion, date: date?.date, photo: photo)
    }
}
