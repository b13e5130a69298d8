import Foundation

/// A JSON document as a tree that tests can edit and write back exactly as edited: object
/// members keep their order (duplicates allowed) and numbers keep their text, so a test can
/// write `9223372036854775808` or `1e30` where Foundation would round or refuse.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Parses JSON text (RFC 8259; the whole input must be one value).
    public init(parsing data: Data) throws {
        var parser = Parser(bytes: [UInt8](data))
        self = try parser.document()
    }

    /// The document as JSON text.
    public var data: Data {
        var out: [UInt8] = []
        write(into: &out)
        return Data(out)
    }

    /// The member `key` of an object (the first, if repeated).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    // MARK: - Paths

    /// One step into a container: a member (by position, with its key for descriptions) or an
    /// array element.
    public enum Step: Sendable, Equatable {
        case member(Int, String)
        case element(Int)
    }

    /// "model.vocab.\"##s\"", "post_processor.single[0]": a path as people read it.
    public static func describe(_ path: [Step]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .member(_, let key):
                let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)) }
                out += (out.isEmpty ? "" : ".") + (plain ? key : key.debugDescription)
            case .element(let i):
                out += "[\(i)]"
            }
        }
        return out.isEmpty ? "(the document)" : out
    }

    /// The value at `path`, if there is one.
    public func value(at path: ArraySlice<Step>) -> JSONValue? {
        guard let step = path.first else { return self }
        switch (self, step) {
        case (.object(let members), .member(let i, _)) where members.indices.contains(i):
            return members[i].value.value(at: path.dropFirst())
        case (.array(let items), .element(let i)) where items.indices.contains(i):
            return items[i].value(at: path.dropFirst())
        default:
            return nil
        }
    }

    /// Applies `body` to the value at `path` (nothing happens where there is none).
    public mutating func update(at path: ArraySlice<Step>, _ body: (inout JSONValue) -> Void) {
        guard let step = path.first else {
            body(&self)
            return
        }
        switch (self, step) {
        case (.object(var members), .member(let i, _)) where members.indices.contains(i):
            self = .null
            members[i].value.update(at: path.dropFirst(), body)
            self = .object(members)
        case (.array(var items), .element(let i)) where items.indices.contains(i):
            self = .null
            items[i].update(at: path.dropFirst(), body)
            self = .array(items)
        default:
            break
        }
    }

    // MARK: - Writing

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let s): Self.write(string: s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(string: member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func write(string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += Array("\\\"".utf8)
            case "\\": out += Array("\\\\".utf8)
            case _ where scalar.value < 0x20:
                out += Array(String(format: "\\u%04x", scalar.value).utf8)
            default:
                out += Array(String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: - Parsing

    public struct ParseError: Error, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "JSON parse error at byte \(offset): \(reason)" }
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ reason: String) -> ParseError { ParseError(offset: i, reason: reason) }

        mutating func document() throws -> JSONValue {
            let v = try value(depth: 0)
            skipSpace()
            guard i == bytes.count else { throw fail("text after the value") }
            return v
        }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func literal(_ word: String, _ v: JSONValue) throws -> JSONValue {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw fail("bad literal") }
            i += w.count
            return v
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < 256 else { throw fail("too deep") }
            skipSpace()
            guard i < bytes.count else { throw fail("end of input") }
            switch bytes[i] {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unterminated array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected , or ]") }
                    i += 1
                    return .array(items)
                }
            case UInt8(ascii: "{"):
                i += 1
                var members: [Member] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected :") }
                    i += 1
                    members.append(Member(key, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unterminated object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected , or }") }
                    i += 1
                    return .object(members)
                }
            default:
                let start = i
                while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > start else { throw fail("unexpected byte \(bytes[i])") }
                return .number(String(decoding: bytes[start..<i], as: UTF8.self))
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                throw fail("bad \\u escape")
            }
            i += 4
            return v
        }

        mutating func string() throws -> String {
            i += 1  // the opening quote
            var out = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() {
                out.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                run.removeAll(keepingCapacity: true)
            }
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    flush()
                    return String(out)
                }
                guard b == UInt8(ascii: "\\") else {
                    run.append(b)
                    i += 1
                    continue
                }
                flush()
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append("\"")
                case UInt8(ascii: "\\"): out.append("\\")
                case UInt8(ascii: "/"): out.append("/")
                case UInt8(ascii: "b"): out.append("\u{8}")
                case UInt8(ascii: "f"): out.append("\u{C}")
                case UInt8(ascii: "n"): out.append("\n")
                case UInt8(ascii: "r"): out.append("\r")
                case UInt8(ascii: "t"): out.append("\t")
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800..<0xDC00).contains(v), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                       bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        v = 0x10000 + ((v - 0xD800) << 10) + (low &- 0xDC00)
                    }
                    out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                default:
                    throw fail("bad escape")
                }
            }
            throw fail("unterminated string")
        }
    }
}
