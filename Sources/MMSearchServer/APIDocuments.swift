import Foundation
import MMSearchKit

/// The JSON documents of the API that the command line does not print (those it does print,
/// `QueryResultsDocument` and `EmbeddingDocument`, are the library's, so both say the same).

/// `GET /api/v1/status`: whether the service is ready, and what it serves.
struct StatusDocument: Encodable {
    struct IndexPart: Encodable {
        let running: Bool
        let progress: ProgressDocument?
    }
    let ready: Bool
    let pack: String?
    /// Why the pack did not load; absent while loading and once ready.
    let problem: String?
    let auth: Bool
    let version: String
    let index: IndexPart
    let roots: [String]
    let watching: Bool
}

/// An index run's progress, as events and the status carry it.
struct ProgressDocument: Encodable, Sendable {
    let phase: String
    let found: Int
    let total: Int
    let done: Int
    let failed: Int
    let unchanged: Int

    init(_ progress: IndexProgress) {
        switch progress.phase {
        case .scanning: phase = "scanning"
        case .hashing: phase = "hashing"
        case .embedding: phase = "embedding"
        case .photoDetails: phase = "photo-details"
        }
        found = progress.found
        total = progress.total
        done = progress.done
        failed = progress.failed
        unchanged = progress.unchanged
    }
}

/// What an index run did (`done` event).
struct RunSummaryDocument: Encodable, Sendable {
    let indexed: Int
    let unchanged: Int
    let reused: Int
    let failed: Int
    let removed: Int
    let seconds: Double
    let interrupted: Bool

    init(_ summary: IndexSummary) {
        indexed = summary.indexed
        unchanged = summary.unchanged
        reused = summary.reused
        failed = summary.failed
        removed = summary.removed
        seconds = (summary.seconds * 1000).rounded() / 1000
        interrupted = summary.interrupted
    }
}

/// `GET /api/v1/files/{id}`.
struct FileDocument: Encodable {
    struct Part: Encodable {
        let index: Int
        let bytes: QueryResultsDocument.PartPart.Bytes?
        let time: TimeSpan?
        /// Where text read in an image lies in it.
        let region: ImageRegion?
        let snippet: String?
    }
    let id: Int64
    let path: String
    let name: String
    let modality: String
    let size: Int64
    /// ISO 8601, as last seen by the index.
    let modified: String
    let indexed: String
    let labels: [LabelScore]
    let parts: [Part]
    let note: String?
    /// The thumbnail's URL, for images; nil otherwise.
    let thumbnail: String?
    let content: String
    /// When the file was made: a photo's date taken, else its modification time.
    let date: QueryResultsDocument.DatePart
    /// A photo's camera and position, when its EXIF gives them.
    let camera: String?
    let position: QueryResultsDocument.PositionPart?
    /// A photo's EXIF orientation (1 upright to 8).
    let orientation: Int?

    init(_ details: FileDetails) {
        let record = details.record
        id = record.id
        path = record.path
        name = (record.path as NSString).lastPathComponent
        modality = record.modality.rawValue
        size = record.size
        modified = Timestamp.iso8601(Double(record.mtimeNs) / 1e9)
        indexed = Timestamp.iso8601(record.indexedAt)
        labels = details.labels
        parts = details.parts.map { part in
            Part(index: part.index,
                 bytes: part.bytes.map { .init(start: $0.lowerBound, end: $0.upperBound) },
                 time: part.time, region: part.region, snippet: part.text == nil ? nil : part.snippet())
        }
        note = record.note
        thumbnail = record.modality == .image ? "/api/v1/files/\(record.id)/thumbnail" : nil
        content = "/api/v1/files/\(record.id)/content"
        date = .init(details.date)
        camera = details.photo?.camera
        position = details.photo?.position.map { .init(latitude: $0.latitude, longitude: $0.longitude) }
        orientation = details.photo?.orientation
    }
}

/// `GET /api/v1/stats`.
struct StatsDocument: Encodable {
    struct Space: Encodable {
        let name: String
        let dimension: Int
        let fingerprint: String
        let storage: String
        let files: Int
        let failed: Int
        let modalities: [String: Int]
        let labels: [String: Int]
        let dates: Dates
    }
    /// When the files were made (see `DateCounts`).
    struct Dates: Encodable {
        let earliest: QueryResultsDocument.DatePart?
        let latest: QueryResultsDocument.DatePart?
        let taken: Int
        let modified: Int
        let withCamera: Int
        let positioned: Int

        enum CodingKeys: String, CodingKey {
            case earliest, latest, taken, modified, positioned
            case withCamera = "with_camera"
        }

        init(_ counts: DateCounts) {
            earliest = counts.earliest.map(QueryResultsDocument.DatePart.init)
            latest = counts.latest.map(QueryResultsDocument.DatePart.init)
            taken = counts.taken
            modified = counts.modified
            withCamera = counts.withCamera
            positioned = counts.positioned
        }
    }
    let index: String
    let spaces: [Space]

    init(location: String, spaces: [SpaceRecord], counts: [SpaceCounts]) {
        index = location
        self.spaces = zip(spaces, counts).map { space, counts in
            Space(name: space.name, dimension: space.dimension, fingerprint: space.fingerprint,
                  storage: space.elementType, files: counts.ok, failed: counts.failed,
                  modalities: Dictionary(counts.modalities.map { ($0.modality.rawValue, $0.files) }, uniquingKeysWith: +),
                  labels: Dictionary(counts.labels.map { ($0.label, $0.files) }, uniquingKeysWith: +),
                  dates: Dates(counts.dates))
        }
    }
}

/// `POST /api/v1/label`'s answer.
struct LabelDocument: Encodable {
    let labels: [String]
    let temperature: Float
    let results: [LabelScore]
}

enum Timestamp {
    static func iso8601(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
