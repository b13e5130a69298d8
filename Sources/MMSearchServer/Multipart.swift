import Foundation

/// A `multipart/form-data` body (RFC 7578) split into its parts. Malformed bodies are errors
/// (the route answers 400), never a crash: every index is checked against the body's length.
struct MultipartForm {
    struct Part {
        /// The `name` of the part's `Content-Disposition`.
        let name: String
        /// The `filename`, for a file part.
        let filename: String?
        let contentType: String?
        let data: [UInt8]

        /// The part's bytes as UTF-8 text (a form field).
        var text: String { String(decoding: data, as: UTF8.self) }
    }

    let parts: [Part]

    /// The boundary of a `multipart/form-data` content type; nil for any other type.
    static func boundary(ofContentType type: String) -> String? {
        let fields = type.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let kind = fields.first, kind.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.utf8.count > 200 ? nil : value
        }
        return nil
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// Splits `body` at `boundary`.
    init(body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        guard var position = Self.find(delimiter, in: body, from: 0) else {
            throw Malformed(description: "multipart body without its boundary")
        }
        var parts: [Part] = []
        while true {
            position += delimiter.count
            // "--" after a delimiter ends the body.
            if position + 1 < body.count, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            guard position + 1 < body.count, body[position] == 13, body[position + 1] == 10 else {
                throw Malformed(description: "multipart boundary not followed by a line break")
            }
            position += 2
            guard let headerEnd = Self.find([13, 10, 13, 10], in: body, from: position) else {
                throw Malformed(description: "multipart part without the blank line after its headers")
            }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let dataStart = headerEnd + 4
            guard let next = Self.find([13, 10] + delimiter, in: body, from: dataStart) else {
                throw Malformed(description: "multipart part without a closing boundary")
            }
            parts.append(try Self.part(headers: headers, data: Array(body[dataStart..<next])))
            position = next + 2
            if parts.count > 64 { throw Malformed(description: "more than 64 multipart parts") }
        }
        self.parts = parts
    }

    func part(named name: String) -> Part? {
        parts.first { $0.name == name }
    }

    private static func part(headers: String, data: [UInt8]) throws -> Part {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "content-disposition":
                let parameters = Self.parameters(pair[1])
                name = parameters["name"]
                filename = parameters["filename"]
            case "content-type":
                contentType = pair[1]
            default:
                continue
            }
        }
        guard let name else { throw Malformed(description: "multipart part without a name in its Content-Disposition") }
        return Part(name: name, filename: filename, contentType: contentType, data: data)
    }

    /// `form-data; name="file"; filename="cat.png"` → its parameters (quotes removed, `\"`
    /// unescaped).
    static func parameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var key = ""
        var current = ""
        var inQuotes = false
        var escaped = false
        var readingKey = true
        func flush() {
            let name = key.trimmingCharacters(in: .whitespaces).lowercased()
            if !readingKey, !name.isEmpty { result[name] = current }
            key = ""
            current = ""
            readingKey = true
        }
        for character in value {
            if inQuotes {
                if escaped { current.append(character); escaped = false }
                else if character == "\\" { escaped = true }
                else if character == "\"" { inQuotes = false }
                else { current.append(character) }
            } else if character == ";" {
                flush()
            } else if readingKey {
                if character == "=" { readingKey = false } else { key.append(character) }
            } else if character == "\"" && current.isEmpty {
                inQuotes = true
            } else if character != " " || !current.isEmpty {
                current.append(character)
            }
        }
        flush()
        return result
    }

    /// The first index at or after `start` where `needle` begins in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                while i <= last {
                    if hay[i] == first {
                        var j = 1
                        while j < pin.count && hay[i + j] == pin[j] { j += 1 }
                        if j == pin.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
