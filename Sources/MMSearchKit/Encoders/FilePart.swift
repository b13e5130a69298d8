import Foundation

/// Where a part lies in a recording or a video, in seconds from the start.
public struct TimeSpan: Sendable, Equatable, Hashable, Codable {
    public let start: Double
    public let end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// `12.0s–13.5s`: how plain output shows a span.
    public var description: String { String(format: "%.1fs–%.1fs", start, end) }
}

/// Where a part lies in an image: a box in pixels of the upright image (a block of text the
/// image shows).
public struct ImageRegion: Sendable, Equatable, Hashable, Codable {
    public let x: Int
    public let y: Int
    public let width: Int
    public let height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// `120,40 300×60`: how plain output shows a region.
    public var description: String { "\(x),\(y) \(width)×\(height)" }
}

/// One span inside a file with a vector of its own: a text file's chunk, a recording's
/// transcript passage, a video's frame, an audio window. Every kind of part is this one type;
/// what differs is which of span, time and text it has.
///
/// A file is searched either by its parts (text chunks, transcript passages: each part is a
/// row of the index, and a hit is the best part) or by one vector for the whole file with the
/// parts kept beside it (a video's frames: the hit is the file, and the part that best matches
/// the query is shown with it); see `EmbeddedFile`.
public struct FilePart: Sendable, Equatable, Hashable {
    /// Position among the file's parts, from 0.
    public var index: Int
    /// Byte offsets in the file's text (UTF-8): a text file's chunk is `bytes[range]`; a
    /// transcript passage's are offsets in the whole transcript (its passages joined by single
    /// spaces). nil for parts that are not text (a frame).
    public var bytes: Range<Int>?
    /// Where the part lies in a recording or a video; nil for a text file's chunk.
    public var time: TimeSpan?
    /// The text that was embedded (a chunk, a passage's words, the words read in an image);
    /// nil for a frame.
    public var text: String?
    /// Where the part lies in an image: the box around text read in it; nil for other parts.
    public var region: ImageRegion?
    /// The part's unit vector; nil where only where the part lies is wanted (a search hit's part).
    public var vector: [Float]?

    public init(index: Int, bytes: Range<Int>? = nil, time: TimeSpan? = nil, text: String? = nil,
                region: ImageRegion? = nil, vector: [Float]? = nil) {
        self.index = index
        self.bytes = bytes
        self.time = time
        self.text = text
        self.region = region
        self.vector = vector
    }

    /// Whether the part says nothing about where it lies or what it holds: an image's own row
    /// among the rows of the text read in it. A hit on such a row is the whole file.
    public var isWholeFile: Bool {
        (text ?? "").isEmpty && time == nil && region == nil
    }

    /// The part without its vector.
    public var withoutVector: FilePart {
        var part = self
        part.vector = nil
        return part
    }

    /// The start of the text on one line, at most `limit` characters, for showing next to a
    /// result (whitespace runs become one space; "…" marks a cut); empty for a part without text.
    public func snippet(limit: Int = 160) -> String {
        let words = (text ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard words.count > limit else { return words }
        return String(words.prefix(max(0, limit - 1))) + "…"
    }
}

/// The part of a hit that matched, with its own cosine similarity to the query: for a file
/// searched by its parts, the best part (its score is the hit's); for a file searched by one
/// vector, the part closest to the query.
@dynamicMemberLookup
public struct MatchedPart: Sendable, Equatable {
    public let part: FilePart
    public let score: Float

    public init(part: FilePart, score: Float) {
        self.part = part.withoutVector
        self.score = score
    }

    public subscript<T>(dynamicMember keyPath: KeyPath<FilePart, T>) -> T { part[keyPath: keyPath] }
}

/// A file's vector and, for time-based media, its parts with their vectors (a video's frames,
/// a long recording's windows).
public struct FileEmbedding: Sendable, Equatable {
    public let vector: [Float]
    public let parts: [FilePart]

    public init(vector: [Float], parts: [FilePart] = []) {
        self.vector = vector
        self.parts = parts
    }
}

extension Encoder {
    public func embedWithParts(batch: [EncoderInput]) -> [Result<FileEmbedding, Error>] {
        embed(batch: batch).map { result in result.map { FileEmbedding(vector: $0) } }
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

/// Checks an encoder's parts like its vectors: finite times in order, valid vectors, not too
/// many.
enum PartCheck {
    /// How a failure names a part: a plugin's segment (`segment 3 at 12.0s`) or a passage of a
    /// transcript (`passage 3 of 7`).
    enum Naming {
        case segment
        case passage

        func name(_ index: Int, of count: Int) -> String {
            switch self {
            case .segment: "segment \(index + 1)"
            case .passage: "passage \(index + 1) of \(count)"
            }
        }

        /// Where the part lies, for a message about its vector.
        func place(_ part: FilePart) -> String {
            switch self {
            case .segment: part.time.map { " at \(seconds($0.start))" } ?? ""
            case .passage: ""
            }
        }
    }

    /// Most parts under one row a file may have (a video's frames).
    static let maxParts = 4096

    /// The parts with unit vectors, or why they cannot be stored. Parts under one row (a
    /// plugin's segments) are at most `maxParts`; a file's passages have no limit.
    static func validated(_ parts: [FilePart], dimension: Int, naming: Naming = .segment) -> Result<[FilePart], FailureReason> {
        if naming == .segment, parts.count > maxParts {
            return .failure(FailureReason("encoder returned \(parts.count) segments, at most \(maxParts) are kept"))
        }
        var checked: [FilePart] = []
        checked.reserveCapacity(parts.count)
        for (i, part) in parts.enumerated() {
            let name = naming.name(i, of: parts.count)
            if let time = part.time, let problem = timeProblem(start: time.start, end: time.end) {
                return .failure(FailureReason("\(name): \(problem)"))
            }
            switch VectorCheck.validated(part.vector ?? [], dimension: dimension) {
            case .success(let unit):
                var part = part
                part.vector = unit
                checked.append(part)
            case .failure(let reason):
                return .failure(FailureReason("\(name)\(naming.place(part)): \(reason.text)"))
            }
        }
        return .success(checked)
    }

    /// Why a part's time span is not valid, or nil.
    static func timeProblem(start: Double, end: Double) -> String? {
        guard start.isFinite, end.isFinite else { return "start or end is not a finite number" }
        guard start >= 0, end >= start else { return "span \(start)…\(end) s is not in order" }
        return nil
    }

    /// `12.0s`: how plain output shows a time.
    static func seconds(_ value: Double) -> String { String(format: "%.1fs", value) }
}
