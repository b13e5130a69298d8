import Foundation
import MMSearchKit

/// A search as the API takes it: terms (texts, indexed files by id, an upload), how many
/// results, and the filters of `mmsearch query`. Read from `GET /api/v1/search`'s parameters,
/// from `POST /api/v1/search`'s JSON, or from its multipart form; every value is checked, and a
/// bad one is a 400 naming the parameter.
struct SearchRequest: Sendable {
    enum Term: Sendable {
        case text(String)
        case id(Int64)
        case upload(Upload)
    }

    var terms: [(term: Term, weight: Float)] = []
    var top = 10
    var modalities: [Modality] = []
    var folders: [String] = []
    var labels: [String] = []
    var minScore: Float?
    var cutoff: AutomaticCutoff?
    var hybrid = false
    var allChunks = false
    var dates: DateWindow?
    var camera: String?
    var near: GeoCircle?
    var order = ResultOrder.score

    static let maxTop = 1000

    private init(terms: [(term: Term, weight: Float)]) {
        self.terms = terms
    }

    /// The body `POST /api/v1/search` takes as JSON.
    struct Body: Decodable {
        struct Term: Decodable {
            let text: String?
            let id: Int64?
            /// In a multipart form's `terms` field: the upload, counted from 0 among its parts
            /// named `file`.
            let upload: Int?
            let weight: Float?
        }
        let terms: [Term]
        let top: Int?
        let modality: [String]?
        let `in`: [String]?
        let label: [String]?
        let min_score: Float?
        var cutoff: String? = nil
        let hybrid: Bool?
        let all_chunks: Bool?
        var after: String? = nil
        var before: String? = nil
        var camera: String? = nil
        var near: String? = nil
        var sort: String? = nil
    }

    /// `GET /api/v1/search?q=…&top=…&modality=…&in=…&label=…&min_score=…&cutoff=auto&hybrid=1&all_chunks=1`
    /// `&after=2024-06&before=2024-09&camera=canon&near=48.85,2.29:2km&sort=-date`.
    init(query: QueryString) throws {
        guard let text = query.first("q"), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.badRequest("q: the query is empty: give a text, e.g. ?q=a+dog")
        }
        terms = [(.text(text), 1)]
        try readFilters(query.first, all: query.all)
    }

    init(json: Body, uploads: [Upload] = []) throws {
        guard !json.terms.isEmpty else { throw APIError.badRequest("terms: give at least one term") }
        guard json.terms.count <= 32 else { throw APIError.badRequest("terms: at most 32 terms") }
        for (i, term) in json.terms.enumerated() {
            let weight = term.weight ?? 1
            guard weight.isFinite, weight != 0 else { throw APIError.badRequest("terms[\(i)].weight: a non-zero number") }
            switch (term.text, term.id, term.upload) {
            case (let text?, nil, nil):
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw APIError.badRequest("terms[\(i)].text: empty")
                }
                terms.append((.text(text), weight))
            case (nil, let id?, nil):
                terms.append((.id(id), weight))
            case (nil, nil, let upload?):
                guard uploads.indices.contains(upload) else {
                    throw APIError.badRequest("terms[\(i)].upload: the form has \(uploads.count) parts named \"file\", no upload \(upload)")
                }
                terms.append((.upload(uploads[upload]), weight))
            default:
                throw APIError.badRequest("terms[\(i)]: give exactly one of \"text\", \"id\"\(uploads.isEmpty ? "" : " and \"upload\"")")
            }
        }
        if let top = json.top { self.top = try Self.checkedTop(top) }
        modalities = try (json.modality ?? []).map(Self.modality)
        folders = try (json.in ?? []).map(Self.folder)
        labels = json.label ?? []
        if let minScore = json.min_score { self.minScore = try Self.checkedScore(minScore) }
        try readCutoff(json.cutoff)
        hybrid = json.hybrid ?? false
        allChunks = json.all_chunks ?? false
        try readPhotoFilters(after: json.after, before: json.before, camera: json.camera, near: json.near, sort: json.sort)
    }

    /// The date, camera and place filters and the order, each checked (a 400 names the parameter).
    private mutating func readPhotoFilters(after: String?, before: String?, camera: String?, near: String?,
                                           sort: String?) throws {
        let (after, before) = (after.flatMap { $0.isEmpty ? nil : $0 }, before.flatMap { $0.isEmpty ? nil : $0 })
        do {
            let window = try DateWindow(after: after, before: before)
            dates = window.isEmpty ? nil : window
        } catch let error as MMSearchError {
            throw APIError.badRequest([after.map { _ in "after" }, before.map { _ in "before" }].compactMap { $0 }
                .joined(separator: ", ") + ": " + error.message)
        }
        if let camera = camera?.trimmingCharacters(in: .whitespaces), !camera.isEmpty {
            guard camera.count <= 256 else { throw APIError.badRequest("camera: at most 256 characters") }
            self.camera = camera
        }
        if let near, !near.isEmpty {
            do {
                self.near = try GeoCircle(parsing: near)
            } catch let error as MMSearchError {
                throw APIError.badRequest("near: " + error.message)
            }
        }
        if let sort, !sort.isEmpty {
            guard let order = ResultOrder(rawValue: sort) else {
                throw APIError.badRequest("sort: score, date or -date, not \"\(sort)\"")
            }
            self.order = order
        }
    }

    /// A multipart form: the upload in part `file`, the filters as text fields; or several
    /// uploads (parts named `file`) and a field `terms` (a JSON array of terms, uploads named by
    /// their place among the files) for a combined query.
    init(form: MultipartForm) throws {
        let uploads = try form.parts.filter { $0.name == "file" }.map(Upload.init)
        if let terms = form.part(named: "terms") {
            let parsed = try Routes.Body.decode([Body.Term].self, terms.data)
            try self.init(json: Body(terms: parsed, top: nil, modality: nil, in: nil, label: nil, min_score: nil,
                                     hybrid: nil, all_chunks: nil), uploads: uploads)
        } else {
            guard uploads.count == 1 else {
                throw APIError.badRequest("multipart: give one part named \"file\" (the image or recording to search by), or a \"terms\" field")
            }
            self.init(terms: [(.upload(uploads[0]), 1)])
        }
        try readFilters({ form.part(named: $0)?.text }, all: { name in form.parts.filter { $0.name == name }.map(\.text) })
    }

    private mutating func readFilters(_ first: (String) -> String?, all: (String) -> [String]) throws {
        if let top = first("top") {
            guard let value = Int(top) else { throw APIError.badRequest("top: not a whole number: \(top)") }
            self.top = try Self.checkedTop(value)
        }
        modalities = try all("modality").filter { !$0.isEmpty }.map(Self.modality)
        folders = try all("in").filter { !$0.isEmpty }.map(Self.folder)
        labels = all("label").filter { !$0.isEmpty }
        if let text = first("min_score"), !text.isEmpty {
            guard let value = Float(text) else { throw APIError.badRequest("min_score: not a number: \(text)") }
            minScore = try Self.checkedScore(value)
        }
        try readCutoff(first("cutoff"))
        hybrid = try Self.flag(first("hybrid"), name: "hybrid")
        allChunks = try Self.flag(first("all_chunks"), name: "all_chunks")
        try readPhotoFilters(after: first("after"), before: first("before"), camera: first("camera"),
                             near: first("near"), sort: first("sort"))
    }

    /// `cutoff`: `auto` (`AutomaticCutoff`), `none`, or a score (as `min_score`, not with it).
    private mutating func readCutoff(_ text: String?) throws {
        guard let text, !text.isEmpty else { return }
        switch text.lowercased() {
        case "auto": cutoff = AutomaticCutoff()
        case "none": cutoff = nil
        default:
            guard let value = Float(text), value.isFinite else {
                throw APIError.badRequest("cutoff: auto, none or a score, not \"\(text)\"")
            }
            guard minScore == nil else { throw APIError.badRequest("cutoff: a score and min_score say the same: give one") }
            minScore = value
        }
    }

    private static func checkedTop(_ top: Int) throws -> Int {
        guard (1...maxTop).contains(top) else { throw APIError.badRequest("top: between 1 and \(maxTop), not \(top)") }
        return top
    }

    private static func checkedScore(_ score: Float) throws -> Float {
        guard score.isFinite else { throw APIError.badRequest("min_score: a finite number") }
        return score
    }

    private static func modality(_ name: String) throws -> Modality {
        guard !name.isEmpty, name.count <= 32, name.allSatisfy(\.isLetter) else {
            throw APIError.badRequest("modality: a name such as image, text, audio or video, not \"\(name)\"")
        }
        return Modality(name.lowercased())
    }

    private static func folder(_ path: String) throws -> String {
        guard path.hasPrefix("/") else { throw APIError.badRequest("in: an absolute folder, not \"\(path)\"") }
        return FilePaths.absolute(path, relativeTo: "/")
    }

    private static func flag(_ value: String?, name: String) throws -> Bool {
        switch value?.lowercased() {
        case nil, "", "0", "false", "no": return false
        case "1", "true", "yes": return true
        case let other?: throw APIError.badRequest("\(name): 1 or 0, not \"\(other)\"")
        }
    }

    /// The search options these filters say, the scan on `threads` threads.
    func options(threads: Int) -> SearchOptions {
        var options = SearchOptions(threads: threads)
        options.modalities = modalities.isEmpty ? nil : Set(modalities)
        options.directories = folders.isEmpty ? nil : folders
        options.labels = labels.isEmpty ? nil : labels
        options.minimumScore = minScore
        options.cutoff = cutoff
        options.hybrid = hybrid
        options.allChunks = allChunks
        options.dates = dates
        options.camera = camera
        options.near = near
        options.order = order
        return options
    }

    /// How the document names the query: as `mmsearch query` does for texts; an indexed file
    /// as kind "id", an upload as kind "upload" with its file name.
    var queryPart: QueryResultsDocument.QueryPart {
        func describe(_ term: Term) -> (String, String) {
            switch term {
            case .text(let text): ("text", text)
            case .id(let id): ("id", String(id))
            case .upload(let upload): ("upload", upload.name)
            }
        }
        let (kind, value) = describe(terms[0].term)
        var part = QueryResultsDocument.QueryPart(kind: kind, value: value)
        if terms.count > 1 || terms[0].weight != 1 {
            part.terms = terms.map { term in
                let (kind, value) = describe(term.term)
                return .init(kind: kind, value: value, weight: term.weight)
            }
        }
        return part
    }

    /// The texts a keyword search looks for (added text terms).
    var positiveTexts: [String] {
        terms.compactMap { term in
            guard term.weight > 0, case .text(let text) = term.term else { return nil }
            return text
        }
    }

    /// Whether this is exactly what `mmsearch query TEXT` runs (one text of weight 1): then it
    /// goes through the same `Engine.search`, so the document is the command's.
    var plainText: String? {
        guard terms.count == 1, terms[0].weight == 1, case .text(let text) = terms[0].term else { return nil }
        return text
    }
}

/// A file sent to the service (query by example, embed, label): its bytes and name. It is
/// embedded from a private temporary file that is removed before the answer; never stored.
struct Upload: Sendable {
    let name: String
    let bytes: [UInt8]

    init(_ part: MultipartForm.Part) throws {
        guard !part.data.isEmpty else { throw APIError.badRequest("multipart: the part \"\(part.name)\" is empty") }
        let given = (part.filename ?? "").split(separator: "/").last.map(String.init) ?? ""
        let name = given.isEmpty ? "upload" + Self.defaultExtension(part.contentType) : given
        guard !FilePaths.fileExtension(name).isEmpty else {
            throw APIError.badRequest("multipart: the upload \"\(name)\" has no file extension (.jpg, .png, .wav, …) to say what it is")
        }
        self.name = name
        bytes = part.data
    }

    private static func defaultExtension(_ type: String?) -> String {
        switch type?.lowercased() {
        case "image/jpeg": ".jpg"
        case "image/png": ".png"
        case "audio/wav", "audio/x-wav", "audio/wave": ".wav"
        case "audio/mpeg": ".mp3"
        case "audio/flac": ".flac"
        case "audio/ogg": ".ogg"
        default: ""
        }
    }

    /// Runs `body` with the upload in a temporary file (in a folder only this user can read),
    /// removed afterwards.
    func withTemporaryFile<T>(_ body: (URL) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mmsearch-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        let safeName = "upload." + FilePaths.fileExtension(name)
        let url = folder.appendingPathComponent(safeName)
        guard FileManager.default.createFile(atPath: url.path, contents: Data(bytes),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw APIError.internalError("the upload could not be written to a temporary file")
        }
        return try body(url)
    }
}
