/// One search result: a file.
public struct SearchHit: Sendable, Equatable {
    /// The store's id of the file.
    public let fileID: Int64
    /// Absolute path of the indexed file.
    public let path: String
    /// Cosine similarity with the query, in [-1, 1].
    public let score: Float
    public let modality: Modality
    /// The part of the file that matched: for a file searched by its parts (a text file's
    /// chunks, a recording's transcript passages) the best part, scored as the hit; for a
    /// file searched by one vector (a video) the part closest to the query, with its own
    /// score; nil for a file without parts (a photo).
    public var part: MatchedPart?
    /// The file's stored zero-shot labels (`mmsearch label --all`), most probable first.
    public var labels: [LabelScore]
    /// With hybrid search, how the result ranked in each ranking and its fused score.
    public var fusion: FusionRanks?

    public init(fileID: Int64 = 0, path: String, score: Float, modality: Modality, part: MatchedPart? = nil,
                labels: [LabelScore] = [], fusion: FusionRanks? = nil) {
        self.fileID = fileID
        self.path = path
        self.score = score
        self.modality = modality
        self.part = part
        self.labels = labels
        self.fusion = fusion
    }
}
