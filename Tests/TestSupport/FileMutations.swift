import Foundation

/// SplitMix64 (Steele, Lea and Flood 2014): a small generator whose numbers depend only on its
/// seed, so a fuzz case is the same on every run and machine. Its helpers draw without the
/// standard library's `random(in:using:)`, whose algorithm may change between toolchains.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of case `index` of a run seeded `seed`.
    public init(seed: UInt64, case index: Int) {
        self.init(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (`n` > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Mutations of a JSON model file (a config, a tokenizer, a safetensors header): integers
/// replaced by boundary values, strings emptied or swapped, arrays truncated or emptied, keys
/// removed, values of another type, and the text truncated or with a byte flipped. Each returns
/// what it did, in words, with the bytes.
public enum JSONMutations {
    /// Integers at and around every bound a loader might get wrong.
    public static let boundaryNumbers = [
        "-1", "0", "1", "2", "3", "7", "-2", "-2147483648", "-2147483649", "2147483647", "2147483648", "4294967295",
        "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "100000000000000000000", "65535", "65536", "1048576",
        "4194304", "16777216", "1000000007", "1e30", "-1e30", "1e308", "1.5", "0.5", "-0.0", "1e-30", "2.0",
    ]

    /// The document with one to three mutations (most cases), or its text truncated or with a
    /// byte changed: the description and the bytes.
    public static func mutate(_ document: JSONValue, _ rng: inout SeededRandom) -> (String, Data) {
        if rng.chance(0.12) { return mutateText(document.data, &rng) }
        var doc = document
        var done: [String] = []
        for _ in 0..<(1 + rng.below(3)) {
            let paths = samplePaths(doc, &rng)
            let path = rng.pick(paths)
            var what = ""
            doc.update(at: path[...]) { what = mutate(&$0, document: document, &rng) }
            done.append("\(JSONValue.describe(path)) \(what)")
        }
        return (done.joined(separator: "; "), doc.data)
    }

    /// Paths of the document's values; in a container of more than `breadth` children only
    /// `breadth` of them, drawn at random (a vocabulary of 30 000 tokens is sampled, not walked).
    public static func samplePaths(_ doc: JSONValue, _ rng: inout SeededRandom, breadth: Int = 12) -> [[JSONValue.Step]] {
        var out: [[JSONValue.Step]] = []
        func walk(_ v: JSONValue, _ path: [JSONValue.Step]) {
            out.append(path)
            switch v {
            case .object(let members):
                for i in indices(members.count, &rng, breadth) {
                    walk(members[i].value, path + [.member(i, members[i].key)])
                }
            case .array(let items):
                for i in indices(items.count, &rng, breadth) { walk(items[i], path + [.element(i)]) }
            default:
                break
            }
        }
        walk(doc, [])
        return out
    }

    private static func indices(_ count: Int, _ rng: inout SeededRandom, _ breadth: Int) -> [Int] {
        guard count > breadth else { return Array(0..<count) }
        return (0..<breadth).map { _ in rng.below(count) }
    }

    /// Strings of the document, to put one where another was (a token name where a special
    /// token's is).
    private static func someString(_ document: JSONValue, _ rng: inout SeededRandom) -> String {
        for _ in 0..<8 {
            let path = rng.pick(samplePaths(document, &rng, breadth: 4))
            if case .string(let s)? = document.value(at: path[...]) { return s }
            if case .member(_, let key)? = path.last { return key }
        }
        return "x"
    }

    private static func otherType(_ rng: inout SeededRandom) -> (String, JSONValue) {
        rng.pick([("← null", .null), ("← true", .bool(true)), ("← \"x\"", .string("x")), ("← []", .array([])),
                  ("← {}", .object([])), ("← 0", .number("0")), ("← [1, 2]", .array([.number("1"), .number("2")]))])
    }

    /// Mutates one value in place; returns what was done.
    private static func mutate(_ v: inout JSONValue, document: JSONValue, _ rng: inout SeededRandom) -> String {
        switch v {
        case .number(let text):
            if rng.chance(0.1) {
                let (what, value) = otherType(&rng)
                v = value
                return what
            }
            var candidates = boundaryNumbers
            if let n = Int(text) {
                candidates += ["\(n &- 1)", "\(n &+ 1)", "\(n &* 2)", "\(n &* 1000)", "\(0 &- n)", "\(n / 2)"]
            }
            let new = rng.pick(candidates)
            v = .number(new)
            return "← \(new)"
        case .string(let s):
            switch rng.below(6) {
            case 0:
                v = .string("")
                return "← \"\""
            case 1, 2:
                let other = someString(document, &rng)
                v = .string(other)
                return "← \(other.debugDescription.prefix(40))"
            case 3:
                let cut = s.isEmpty ? 0 : rng.below(s.count)
                v = .string(String(s.prefix(cut)))
                return "cut to \(cut) characters"
            case 4:
                let new = rng.pick(boundaryNumbers)
                v = .number(new)
                return "← \(new)"
            default:
                let (what, value) = otherType(&rng)
                v = value
                return what
            }
        case .bool(let b):
            if rng.chance(0.5) {
                v = .bool(!b)
                return "← \(!b)"
            }
            let (what, value) = otherType(&rng)
            v = value
            return what
        case .null:
            let new = rng.pick(boundaryNumbers)
            if rng.chance(0.5) {
                v = .number(new)
                return "← \(new)"
            }
            v = .string("x")
            return "← \"x\""
        case .array(var items):
            let op = rng.below(7)
            if op == 0 {
                v = .array([])
                return "emptied"
            } else if op <= 2 && !items.isEmpty {
                let keep = rng.below(items.count)
                v = .array(Array(items.prefix(keep)))
                return "cut to \(keep) of \(items.count) elements"
            } else if op == 3 && !items.isEmpty {
                let i = rng.below(items.count)
                items.remove(at: i)
                v = .array(items)
                return "element \(i) removed"
            } else if op == 4 && !items.isEmpty {
                let i = rng.below(items.count)
                items.insert(items[i], at: i)
                v = .array(items)
                return "element \(i) doubled"
            } else if op == 5 {
                let new = rng.pick(boundaryNumbers)
                items.append(.number(new))
                v = .array(items)
                return "\(new) appended"
            }
            let (what, value) = otherType(&rng)
            v = value
            return what
        case .object(var members):
            let op = rng.below(8)
            if op <= 2 && !members.isEmpty {
                let i = rng.below(members.count)
                let key = members.remove(at: i).key
                v = .object(members)
                return "key \(key.debugDescription) removed"
            } else if op == 3 {
                v = .object([])
                return "emptied"
            } else if op == 4 && !members.isEmpty {
                let i = rng.below(members.count)
                let old = members[i].key, other = someString(document, &rng)
                members[i].key = other
                v = .object(members)
                return "key \(old.debugDescription) renamed \(other.debugDescription.prefix(40))"
            } else if op == 5 && !members.isEmpty {
                let i = rng.below(members.count)
                let new = rng.pick(boundaryNumbers)
                members.append(JSONValue.Member(members[i].key, .number(new)))
                v = .object(members)
                return "key \(members[i].key.debugDescription) repeated ← \(new)"
            }
            let (what, value) = otherType(&rng)
            v = value
            return what
        }
    }

    /// The text cut short, with a byte changed, inserted or removed.
    public static func mutateText(_ data: Data, _ rng: inout SeededRandom) -> (String, Data) {
        var bytes = [UInt8](data)
        guard !bytes.isEmpty else { return ("empty", data) }
        switch rng.below(4) {
        case 0:
            let n = rng.below(bytes.count)
            return ("text cut to \(n) of \(bytes.count) bytes", Data(bytes.prefix(n)))
        case 1:
            let i = rng.below(bytes.count), b = UInt8(truncatingIfNeeded: rng.next())
            bytes[i] = b
            return ("byte \(i) ← 0x\(String(b, radix: 16))", Data(bytes))
        case 2:
            let i = rng.below(bytes.count), b = rng.pick(Array("{}[]\",:-019e\\ ".utf8) + [0, 0xFF])
            bytes.insert(b, at: i)
            return ("byte 0x\(String(b, radix: 16)) inserted at \(i)", Data(bytes))
        default:
            let i = rng.below(bytes.count)
            bytes.remove(at: i)
            return ("byte \(i) removed", Data(bytes))
        }
    }
}

/// Mutations of a safetensors file: its header's JSON mutated as `JSONMutations` does (dtypes,
/// shapes, offsets), the header length replaced by a boundary value, the file truncated, or a
/// byte of the header or the data changed.
public enum SafeTensorsMutations {
    public static func mutate(_ file: Data, _ rng: inout SeededRandom) -> (String, Data) {
        let bytes = [UInt8](file)
        guard bytes.count >= 8 else { return ("too short to mutate", file) }
        let headerLength = Int(clamping: bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let headerEnd = min(bytes.count, 8 + min(headerLength, bytes.count))
        func withLength(_ n: UInt64, _ rest: ArraySlice<UInt8>) -> Data {
            Data((0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + rest)
        }
        switch rng.below(20) {
        case 0, 1:
            let n = rng.pick([0, 1, 2, 7, 8, UInt64(max(0, headerLength - 1)), UInt64(headerLength + 1), UInt64(bytes.count),
                              UInt64(bytes.count - 7), 100_000_001, UInt64(Int64.max), UInt64.max, 1 << 32])
            return ("header length ← \(n)", withLength(n, bytes[8...]))
        case 2, 3:
            let n = rng.below(bytes.count)
            return ("file cut to \(n) of \(bytes.count) bytes", Data(bytes.prefix(n)))
        case 4:
            var changed = bytes
            let i = 8 + rng.below(max(1, headerEnd - 8)), b = UInt8(truncatingIfNeeded: rng.next())
            changed[min(i, changed.count - 1)] = b
            return ("header byte \(i) ← 0x\(String(b, radix: 16))", Data(changed))
        case 5:
            var changed = bytes
            guard headerEnd < bytes.count else { return ("no data to change", file) }
            let i = headerEnd + rng.below(bytes.count - headerEnd)
            changed[i] = 0xFF
            return ("data byte \(i) ← 0xff", Data(changed))
        default:
            guard let header = try? JSONValue(parsing: Data(bytes[8..<headerEnd])) else {
                return ("header not JSON: unchanged", file)
            }
            let (what, text) = JSONMutations.mutate(header, &rng)
            var padded = [UInt8](text)
            while padded.count % 8 != 0 { padded.append(0x20) }
            return ("header: \(what)", withLength(UInt64(padded.count), (padded + bytes[headerEnd...])[...]))
        }
    }
}

/// Mutations of a text file of one entry a line (`merges.txt`): lines removed, doubled, swapped,
/// emptied or cut, a token replaced or the two joined, a line of three tokens, the text cut.
public enum LineMutations {
    public static func mutate(_ text: String, _ rng: inout SeededRandom) -> (String, Data) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count > 1 else { return JSONMutations.mutateText(Data(text.utf8), &rng) }
        let i = rng.below(lines.count), j = rng.below(lines.count)
        let what: String
        switch rng.below(9) {
        case 0:
            lines.remove(at: i)
            what = "line \(i + 1) removed"
        case 1:
            lines.insert(lines[i], at: j)
            what = "line \(i + 1) copied before line \(j + 1)"
        case 2:
            lines.swapAt(i, j)
            what = "lines \(i + 1) and \(j + 1) swapped"
        case 3:
            lines[i] = ""
            what = "line \(i + 1) emptied"
        case 4:
            let parts = lines[i].split(separator: " ").map(String.init)
            let other = lines[j].split(separator: " ").first.map(String.init) ?? "zz"
            lines[i] = ([other] + parts.dropFirst()).joined(separator: " ")
            what = "line \(i + 1)'s first token ← \(other.debugDescription)"
        case 5:
            lines[i] = lines[i].replacingOccurrences(of: " ", with: "")
            what = "line \(i + 1)'s tokens joined"
        case 6:
            lines[i] += " " + (lines[j].split(separator: " ").first.map(String.init) ?? "zz")
            what = "line \(i + 1) given a third token"
        case 7:
            lines[i] = "\u{FFFD} \u{0}"
            what = "line \(i + 1) ← U+FFFD NUL"
        default:
            return LineMutations.cut(text, &rng)
        }
        return (what, Data(lines.joined(separator: "\n").utf8))
    }

    private static func cut(_ text: String, _ rng: inout SeededRandom) -> (String, Data) {
        JSONMutations.mutateText(Data(text.utf8), &rng)
    }
}

/// One file of a model folder as a fuzz seed, and its mutations.
public enum SeedFile: Sendable {
    case json(JSONValue)
    case safetensors(Data)
    case lines(String)

    /// Reads `url` as the kind its name says (`.safetensors`, `.txt`, else JSON).
    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        switch url.pathExtension {
        case "safetensors": self = .safetensors(data)
        case "txt": self = .lines(String(decoding: data, as: UTF8.self))
        default: self = .json(try JSONValue(parsing: data))
        }
    }

    public var data: Data {
        switch self {
        case .json(let v): v.data
        case .safetensors(let d): d
        case .lines(let s): Data(s.utf8)
        }
    }

    public func mutated(_ rng: inout SeededRandom) -> (String, Data) {
        switch self {
        case .json(let v): JSONMutations.mutate(v, &rng)
        case .safetensors(let d): SafeTensorsMutations.mutate(d, &rng)
        case .lines(let s): LineMutations.mutate(s, &rng)
        }
    }
}

/// A model folder in a temporary directory whose files are the seeds; a case writes one of them
/// mutated and puts it back afterwards, so each case costs one file's write.
public final class FuzzFolder: @unchecked Sendable {
    public let url: URL
    public let seeds: [(name: String, seed: SeedFile)]

    /// Writes every seed (`name` may hold a folder: `1_Pooling/config.json`), in memory
    /// (`/dev/shm`) where there is such a folder: a fuzz run writes thousands of files, and a
    /// disk shared with builds makes each write take milliseconds.
    public init(_ label: String, seeds: [(name: String, seed: SeedFile)]) throws {
        let shm = URL(fileURLWithPath: "/dev/shm")
        if FileManager.default.isWritableFile(atPath: shm.path) {
            url = shm.appendingPathComponent("\(label)-\(TestPaths.uniqueSuffix())")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } else {
            url = try TestPaths.temporaryDirectory(label)
        }
        self.seeds = seeds
        for (name, seed) in seeds { try write(name, seed.data) }
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    private func write(_ name: String, _ data: Data) throws {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// One of the files (drawn by `weights`, the same for all when nil) mutated: its name, what
    /// was done to it and the bytes.
    public func mutateOne(_ rng: inout SeededRandom, weights: [String: Int]? = nil) -> (what: String, file: String, data: Data) {
        let pool = seeds.flatMap { Array(repeating: $0, count: weights?[$0.name] ?? 1) }
        let (name, seed) = rng.pick(pool)
        let (what, data) = seed.mutated(&rng)
        return ("\(name): \(what)", name, data)
    }

    /// A fuzz run over this folder (`ModelFileFuzzing.run`): each case mutates one of its files
    /// (drawn by `weights`) and runs `load` on the folder and that file's name with it in place.
    public func fuzz<Named: Error & CustomStringConvertible>(
        _ name: String, cases: Int, weights: [String: Int]? = nil, refusals: Named.Type,
        load: (_ folder: URL, _ file: String) throws -> Void
    ) throws -> ModelFileFuzzing.Report {
        try ModelFileFuzzing.run(name, cases: ModelFileFuzzing.cases(cases), refusals: refusals, make: { rng in
            let (what, file, data) = mutateOne(&rng, weights: weights)
            return (what, (file, data))
        }, load: { file, data in try with(file, data) { try load($0, file) } })
    }

    /// What `load` says of the folder with `change` applied to `file`'s JSON object (its seed):
    /// its error (paths inside the folder named from the folder, as a model folder names its
    /// files) or "loaded".
    public func outcome(changing file: String, _ change: (inout [String: Any]) -> Void,
                        load: (URL) throws -> Void) throws -> String {
        guard let seed = seeds.first(where: { $0.name == file })?.seed,
              var object = try JSONSerialization.jsonObject(with: seed.data) as? [String: Any] else {
            throw SetupError("\(file) is not a JSON seed of \(url.lastPathComponent)")
        }
        change(&object)
        var outcome = ""
        try with(file, try JSONSerialization.data(withJSONObject: object)) { dir in
            outcome = loadOutcome { try load(dir) }.replacingOccurrences(of: dir.path + "/", with: "")
        }
        return outcome
    }

    /// Runs `body` on the folder with `file` holding `data`; the seed is written back after.
    public func with(_ file: String, _ data: Data, _ body: (URL) throws -> Void) throws {
        try write(file, data)
        defer { if let seed = seeds.first(where: { $0.name == file })?.seed { try? write(file, seed.data) } }
        try body(url)
    }
}
