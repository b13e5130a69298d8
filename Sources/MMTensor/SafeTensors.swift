import Foundation

/// Element types a safetensors file may hold.
public enum DType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
    case u16 = "U16", u32 = "U32", u64 = "U64"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
        }
    }
}

/// Where one tensor lives in a safetensors file.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range in the file (absolute).
    public let byteRange: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file (https://github.com/huggingface/safetensors), memory-mapped.
///
/// The header is validated completely at open: every tensor's dtype, shape and byte range must
/// be consistent and inside the file, so reading a tensor never goes out of bounds. Floating
/// tensors (F32, F16, BF16, F64) are read as `[Float]`.
public final class SafeTensors: Sendable {
    public let url: URL
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let file: MappedFile

    /// The largest header accepted (the format's reference implementation uses the same bound).
    public static let maxHeaderBytes = 100_000_000

    public init(url: URL) throws {
        self.url = url
        let file = try MappedFile(url: url)
        self.file = file
        let name = url.lastPathComponent
        func fail(_ reason: String) -> WeightsError { WeightsError(name, reason) }

        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw fail("not a safetensors file: \(bytes.count) bytes, too short for the header length")
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw fail("not a safetensors file: header length \(headerLength) is implausible")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= bytes.count else {
            throw fail("truncated: header needs \(headerEnd) bytes, the file has \(bytes.count)")
        }
        let headerData = Data(bytes[8..<headerEnd])
        guard headerData.first == UInt8(ascii: "{") else {
            throw fail("not a safetensors file: header does not start with '{'")
        }
        let header: [String: HeaderEntry]
        do {
            header = try JSONDecoder().decode([String: HeaderEntry].self, from: headerData)
        } catch {
            throw fail("malformed header: \((error as? DecodingError)?.summary ?? "\(error)")")
        }

        let dataStart = headerEnd
        let dataSize = bytes.count - dataStart
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in header {
            let entry: TensorEntry
            switch value {
            case .metadata(let m):
                guard key == "__metadata__" else { throw fail("tensor '\(key)': entry is not a tensor") }
                metadata = m
                continue
            case .tensor(let t):
                guard key != "__metadata__" else { throw fail("__metadata__ is not a string map") }
                entry = t
            }
            guard let dtype = DType(rawValue: entry.dtype) else {
                throw fail("tensor '\(key)': unknown dtype \(entry.dtype)")
            }
            var count = 1
            for d in entry.shape {
                guard d >= 0 else { throw fail("tensor '\(key)': negative dimension in shape \(entry.shape)") }
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("tensor '\(key)': shape \(entry.shape) is too large") }
                count = product
            }
            guard entry.data_offsets.count == 2 else {
                throw fail("tensor '\(key)': data_offsets must be two integers")
            }
            let begin = entry.data_offsets[0], end = entry.data_offsets[1]
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw fail("tensor '\(key)': data [\(begin), \(end)) lies outside the \(dataSize) data bytes (truncated file?)")
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, byteCount == end - begin else {
                throw fail("tensor '\(key)': \(entry.dtype) \(entry.shape) needs \(overflow ? "too many" : String(byteCount)) bytes, data_offsets give \(end - begin)")
            }
            tensors[key] = TensorInfo(name: key, dtype: dtype, shape: entry.shape,
                                      byteRange: (dataStart + begin)..<(dataStart + end))
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    private struct TensorEntry: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    /// `__metadata__` is a string map, every other entry a tensor: decoded by key, so that a
    /// malformed tensor entry's error says what is wrong with it.
    private enum HeaderEntry: Decodable {
        case tensor(TensorEntry)
        case metadata([String: String])

        init(from decoder: Decoder) throws {
            if decoder.codingPath.last?.stringValue == "__metadata__" {
                self = .metadata(try [String: String](from: decoder))
            } else {
                self = .tensor(try TensorEntry(from: decoder))
            }
        }
    }

    /// The tensor's description, or an error naming it if it is missing.
    public func info(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else {
            throw WeightsError(url.lastPathComponent, "tensor '\(name)' is missing")
        }
        return info
    }

    /// Reads a floating tensor as `Float`, checking its shape when one is given.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        let info = try info(name)
        if let expected, expected != info.shape {
            throw WeightsError(url.lastPathComponent,
                               "tensor '\(name)' has shape \(info.shape), expected \(expected)")
        }
        switch info.dtype {
        case .f32, .f16, .bf16, .f64: break
        default:
            throw WeightsError(url.lastPathComponent,
                               "tensor '\(name)' is \(info.dtype.rawValue), expected a floating type")
        }
        let n = info.elementCount
        guard n <= ModelLimits.tensorElements else {
            throw WeightsError(url.lastPathComponent,
                               "tensor '\(name)' has \(n) elements, more than \(ModelLimits.tensorElements), the largest read")
        }
        let raw = UnsafeRawBufferPointer(rebasing: file.bytes[info.byteRange])
        // Every element is written below: no zero-filling first (a model's weights are most of
        // what a cold start touches).
        return [Float](unsafeUninitializedCapacity: n) { dst, initialized in
            switch info.dtype {
            case .f32:
                if n > 0 { dst.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: n * 4) {
                    $0.update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n * 4)
                } }
            case .f16:
                for i in 0..<n {
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    dst[i] = Float(Float16(bitPattern: bits))
                }
            case .bf16:
                for i in 0..<n {
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    dst[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            case .f64:
                for i in 0..<n {
                    dst[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self))
                }
            default:
                dst.initialize(repeating: 0)
            }
            initialized = n
        }
    }
}
