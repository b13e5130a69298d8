/// One search result.
public struct SearchHit: Sendable, Equatable {
    /// Absolute path of the indexed file.
    public let path: String
    /// Cosine similarity with the query, in [-1, 1].
    public let score: Float
    public let modality: Modality
    /// For a text file: the piece of it that matched (its offsets and text); for a recording
    /// searched by its transcript, the passage that matched (its text and time range).
    public let chunk: TextChunk?
    /// For time-based media (video), the part that best matches the query.
    public var segment: SegmentMatch?
    /// The file's stored zero-shot labels (`mmsearch label --all`), most probable first.
    public var labels: [LabelScore]
    /// With hybrid search, how the result ranked in each ranking and its fused score.
    public var fusion: FusionRanks?

    public init(path: String, score: Float, modality: Modality, chunk: TextChunk? = nil,
                segment: SegmentMatch? = nil, labels: [LabelScore] = [], fusion: FusionRanks? = nil) {
        self.path = path
        self.score = score
        self.modality = modality
        self.chunk = chunk
        self.segment = segment
        self.labels = labels
        self.fusion = fusion
    }
}

/// A piece of a text file that was embedded on its own: paragraphs that fit the text
/// encoder's input together. For a recording searched by its transcript (`PassageEncoder`), a
/// passage of the transcript, with its time range in the recording.
public struct TextChunk: Sendable, Equatable, Hashable {
    /// Position among the file's chunks, from 0.
    public let index: Int
    /// Byte offsets in the file (UTF-8): the chunk is `bytes[byteRange]`. For a transcript's
    /// passage, offsets in the whole transcript (its passages joined by single spaces).
    public let byteRange: Range<Int>
    /// The chunk's text, as it was embedded.
    public let text: String
    /// For a transcript's passage, where it starts and ends in the recording, in seconds;
    /// nil for a text file's chunk.
    public let start: Double?
    public let end: Double?

    public init(index: Int, byteRange: Range<Int>, text: String, start: Double? = nil, end: Double? = nil) {
        self.index = index
        self.byteRange = byteRange
        self.text = text
        self.start = start
        self.end = end
    }

    /// The start of the text on one line, at most `limit` characters, for showing next to a
    /// result (whitespace runs become one space; "…" marks a cut).
    public func snippet(limit: Int = 160) -> String {
        let words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard words.count > limit else { return words }
        return String(words.prefix(max(0, limit - 1))) + "…"
    }
}
