/// How an Ogg file ends. A complete stream ends with a page flagged end-of-stream (RFC 3533,
/// section 6); a file cut short ends inside a page or after a page without that flag.
enum OggTail: Equatable {
    /// The last page is complete, its checksum is right and it ends the stream.
    case complete
    /// The last page starts but the file ends before its body does.
    case cutInsidePage
    /// The last complete page does not end the stream.
    case noEndOfStream
    /// No complete page could be found in the last 64 KiB.
    case noPage

    /// The largest Ogg page: a 27-byte header, 255 lacing values, 255 segments of 255 bytes.
    static let maxPageBytes = 27 + 255 + 255 * 255

    /// Reads at most the last `maxPageBytes` of the file and looks for the last page.
    static func of(_ source: AudioSource) throws -> OggTail {
        let start = max(0, source.size - maxPageBytes)
        let tail = try source.read(at: start, count: source.size - start)
        let fields = ByteFields(tail)
        var position = tail.count - 27
        while position >= 0 {
            defer { position -= 1 }
            guard tail[position] == 0x4F, fields.matches("OggS", at: position), tail[position + 4] == 0 else { continue }
            let segments = Int(tail[position + 26])
            let lacing = position + 27
            guard lacing + segments <= tail.count else { return .cutInsidePage }
            let bodyBytes = tail[lacing..<lacing + segments].reduce(0) { $0 + Int($1) }
            let end = lacing + segments + bodyBytes
            guard end <= tail.count else { return .cutInsidePage }
            // A capture pattern inside another page's data would fail its checksum: look further back.
            guard checksum(tail[position..<end]) == fields.uint32(at: position + 22) else { continue }
            return tail[position + 5] & 0x04 != 0 ? .complete : .noEndOfStream
        }
        return .noPage
    }

    /// Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, initial value 0) over a page whose
    /// checksum field (bytes 22..<26) counts as zero.
    static func checksum(_ page: ArraySlice<UInt8>) -> Int {
        var crc: UInt32 = 0
        for (index, byte) in zip(0..., page) {
            let value = (22..<26).contains(index) ? 0 : byte
            crc ^= UInt32(value) << 24
            for _ in 0..<8 {
                crc = crc & 0x8000_0000 != 0 ? crc << 1 ^ 0x04C1_1DB7 : crc << 1
            }
        }
        return Int(crc)
    }
}
