import Foundation

/// Writes safetensors files for tests: the header, then each tensor's bytes (or, with `sparse`,
/// a file extended to its full size without writing the data, which reads as zeros). Reads the
/// entries of an existing file back without the code under test.
public enum SafeTensorsWriter {
    public struct Entry: Sendable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        /// The tensor's bytes; `nil` for zeros.
        public let bytes: Data?

        public init(name: String, dtype: String, shape: [Int], bytes: Data?) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        public var byteCount: Int { shape.reduce(1, *) * (dtype == "I64" ? 8 : dtype == "F32" ? 4 : 2) }
    }

    public static func write(_ entries: [Entry], to url: URL, sparse: Bool = false) throws {
        var offset = 0
        var fields: [String] = []
        for e in entries {
            fields.append("\"\(e.name)\":{\"dtype\":\"\(e.dtype)\",\"shape\":\(e.shape),\"data_offsets\":[\(offset),\(offset + e.byteCount)]}")
            offset += e.byteCount
        }
        var header = Data(("{" + fields.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        if !sparse {
            for e in entries { file.append(e.bytes ?? Data(count: e.byteCount)) }
        }
        try file.write(to: url)
        if sparse {
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: UInt64(file.count + offset))
            try handle.close()
        }
    }

    /// A copy of the model directory `source` with only `files` of it and a `model.safetensors`
    /// written from `entries`, in a new temporary directory named after `label`.
    public static func modelCopy(of source: URL, files: [String], entries: [Entry], label: String) throws -> URL {
        let dir = try TestPaths.temporaryDirectory(label)
        for name in files {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try write(entries, to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    /// The entries of an existing file, in data order.
    public static func entries(of url: URL) throws -> [Entry] {
        let data = try Data(contentsOf: url)
        guard data.count >= 8 else { throw SetupError("\(url.lastPathComponent): too short for a safetensors file") }
        let headerLength = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        guard 8 + headerLength <= data.count,
              let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        else { throw SetupError("\(url.lastPathComponent): no safetensors header") }
        let start = 8 + headerLength
        let entries = try header.filter { $0.key != "__metadata__" }.map { name, value -> (offset: Int, entry: Entry) in
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] <= offsets[1], start + offsets[1] <= data.count
            else { throw SetupError("\(url.lastPathComponent): tensor '\(name)' has no valid entry") }
            let bytes = data.subdata(in: (start + offsets[0])..<(start + offsets[1]))
            return (offsets[0], Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
        }
        return entries.sorted { $0.offset < $1.offset }.map(\.entry)
    }
}

/// A fixture listing a real checkpoint's tensors (written by the fixture scripts from the
/// reference model): each tensor's name, shape and dtype, and the parameter count.
public struct CheckpointLayout: Decodable, Sendable {
    public struct Tensor: Decodable, Sendable {
        public let name: String
        public let shape: [Int]
        public let dtype: String
    }

    public let parameter_count: Int
    public let tensors: [Tensor]
}

extension SafeTensorsWriter {
    /// The bytes `write` would write for `entries`.
    public static func data(_ entries: [Entry]) throws -> Data {
        let dir = try TestPaths.temporaryDirectory("safetensors-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try write(entries, to: url)
        return try Data(contentsOf: url)
    }

    /// An F32 entry holding `values`.
    public static func floats(_ name: String, _ shape: [Int], _ values: [Float]) -> Entry {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        return Entry(name: name, dtype: "F32", shape: shape, bytes: values.withUnsafeBytes { Data($0) })
    }

    /// An F32 entry of small seeded values in [-scale, scale].
    public static func random(_ name: String, _ shape: [Int], _ rng: inout SeededRandom, scale: Float = 0.1) -> Entry {
        let values = (0..<shape.reduce(1, *)).map { _ in (Float(rng.below(2001)) / 1000 - 1) * scale }
        return floats(name, shape, values)
    }
}
