import Foundation

/// The vector of one part of a time-based file (a video's frame, a stretch of audio).
public struct MediaSegment: Sendable, Equatable {
    /// Where the part starts and ends, in seconds from the start of the file.
    public let start: Double
    public let end: Double
    /// Unit length, in the encoder's space.
    public let vector: [Float]

    public init(start: Double, end: Double, vector: [Float]) {
        self.start = start
        self.end = end
        self.vector = vector
    }
}

/// A file's vector and, for time-based media, the vectors of its parts.
public struct SegmentedEmbedding: Sendable, Equatable {
    public let vector: [Float]
    public let segments: [MediaSegment]

    public init(vector: [Float], segments: [MediaSegment] = []) {
        self.vector = vector
        self.segments = segments
    }
}

/// The part of a hit that best matches the query.
public struct SegmentMatch: Sendable, Equatable, Codable {
    public let start: Double
    public let end: Double
    /// Cosine similarity of the part's vector with the query.
    public let score: Float

    public init(start: Double, end: Double, score: Float) {
        self.start = start
        self.end = end
        self.score = score
    }
}

extension Encoder {
    public func embedWithSegments(batch: [EncoderInput]) -> [Result<SegmentedEmbedding, Error>] {
        embed(batch: batch).map { result in result.map { SegmentedEmbedding(vector: $0) } }
    }
}

extension EncoderInfo {
    /// Identifies how this encoder makes vectors: the space's fingerprint with the encoder's
    /// name, version and settings.
    ///
    /// The space fingerprint covers the pack's weights and preprocessing, but not how a plugin
    /// that builds on the pack's encoders uses them (which frames a video plugin samples, how
    /// it pools them). The index records this fingerprint with every file and embeds a file
    /// again when the encoder that reads it now has another one, so vectors made by an older
    /// version of an encoder are never ranked next to the new version's.
    public var fingerprint: String {
        var h = SHA256()
        h.update([space.fingerprint, name, version, settings].joined(separator: "\u{0}"))
        return h.finalize()
    }
}

/// Checks an encoder's segments like its vectors: finite times in order, valid vectors.
enum SegmentCheck {
    /// Most segments one file may have.
    static let maxSegments = 4096

    /// The segments with unit vectors, or why they cannot be stored.
    static func validated(_ segments: [MediaSegment], dimension: Int) -> Result<[MediaSegment], FailureReason> {
        guard segments.count <= maxSegments else {
            return .failure(FailureReason("encoder returned \(segments.count) segments, at most \(maxSegments) are kept"))
        }
        var checked: [MediaSegment] = []
        checked.reserveCapacity(segments.count)
        for (i, segment) in segments.enumerated() {
            if let problem = timeProblem(start: segment.start, end: segment.end) {
                return .failure(FailureReason("segment \(i + 1): \(problem)"))
            }
            switch VectorCheck.validated(segment.vector, dimension: dimension) {
            case .success(let unit):
                checked.append(MediaSegment(start: segment.start, end: segment.end, vector: unit))
            case .failure(let reason):
                return .failure(FailureReason("segment \(i + 1) at \(Self.seconds(segment.start)): \(reason.text)"))
            }
        }
        return .success(checked)
    }

    /// Why a segment's span is not valid, or nil.
    static func timeProblem(start: Double, end: Double) -> String? {
        guard start.isFinite, end.isFinite else { return "start or end is not a finite number" }
        guard start >= 0, end >= start else { return "span \(start)…\(end) s is not in order" }
        return nil
    }

    /// `12.0s`: how plain output shows a time.
    static func seconds(_ value: Double) -> String { String(format: "%.1fs", value) }
}
