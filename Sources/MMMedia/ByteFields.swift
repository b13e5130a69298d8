/// Unsigned integers and four-character codes read from bytes in one byte order; nil wherever
/// a field would run past the end.
struct ByteFields {
    let bytes: [UInt8]
    let bigEndian: Bool

    init(_ bytes: [UInt8], bigEndian: Bool = false) {
        self.bytes = bytes
        self.bigEndian = bigEndian
    }

    func uint(at offset: Int, size: Int) -> UInt64? {
        guard offset >= 0, size > 0, size <= 8, offset <= bytes.count - size else { return nil }
        var value: UInt64 = 0
        for i in 0..<size {
            let byte = UInt64(bytes[offset + (bigEndian ? i : size - 1 - i)])
            value = value << 8 | byte
        }
        return value
    }

    func uint16(at offset: Int) -> Int? { uint(at: offset, size: 2).map { Int($0) } }
    func uint32(at offset: Int) -> Int? { uint(at: offset, size: 4).map { Int($0) } }
    func uint64(at offset: Int) -> UInt64? { uint(at: offset, size: 8) }

    /// Whether the bytes at `offset` are `text` (ASCII).
    func matches(_ text: String, at offset: Int) -> Bool {
        let expected = Array(text.utf8)
        guard offset >= 0, offset <= bytes.count - expected.count else { return false }
        return bytes[offset..<offset + expected.count].elementsEqual(expected)
    }
}
