/// One search result: a file.
public struct SearchHit: Sendable, Equatable {
    /// The store's id of the file.
    public let fileID: Int64
    /// Absolute path of the indexed file.
    public let path: String
    /// Cosine similarity with the query, in [-1, 1].
    public var score: Float
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
    /// When the file was made: the date a photo was taken, else its modification time.
    public var date: FileDate?
    /// What the file's EXIF said (camera, position, orientation; the date is `date`); nil for
    /// files that are not photos or have none.
    public var photo: PhotoMetadata?

    public init(fileID: Int64 = 0, path: String, score: Float, modality: Modality, part: MatchedPart? = nil,
                labels: [LabelScore] = [], fusion: FusionRanks? = nil, date: FileDate? = nil, photo: PhotoMetadata? = nil) {
        self.fileID = fileID
        self.path = path
        self.score = score
        self.modality = modality
        self.part = part
        self.labels = labels
        self.fusion = fusion
        self.date = date
        self.photo = photo
    }

    /// `Canon EOS R5`: the camera's make and model, the make left out when the model repeats it.
    public var camera: String? { photo?.camera }
}
