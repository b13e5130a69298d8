/// What a RIFF/RIFX/RF64 WAVE header declares about its `data` chunk, read chunk by chunk
/// (chunk bodies are skipped, not read).
struct WAVHeader: Equatable {
    /// `fmt ` format tag (the sub-format's for WAVE_FORMAT_EXTENSIBLE): 1 PCM, 3 float, …
    var formatTag: Int?
    var channels = 0
    var sampleRate = 0
    var blockAlign = 0
    /// Where the samples start.
    var dataOffset: Int?
    /// The `data` chunk size the header states; nil for the "unknown length" markers that
    /// streaming writers leave (0xFFFFFFFF, or RF64 without a ds64 size).
    var declaredDataBytes: Int?

    /// Chunks examined before giving up on finding `data`.
    private static let maxChunks = 4096

    /// The header of the RIFF file starting at `base` (after an ID3 tag, if any).
    static func read(_ source: AudioSource, at base: Int = 0) throws -> WAVHeader {
        let riff = try source.read(at: base, count: 12)
        let bigEndian = ByteFields(riff).matches("RIFX", at: 0)
        let isRF64 = ByteFields(riff).matches("RF64", at: 0)
        var header = WAVHeader()
        var ds64DataBytes: UInt64?
        var offset = base + 12
        for _ in 0..<maxChunks {
            let chunk = ByteFields(try source.read(at: offset, count: 8), bigEndian: bigEndian)
            guard let size = chunk.uint32(at: 4) else { break }
            let body = offset + 8
            if chunk.matches("ds64", at: 0) {
                ds64DataBytes = ByteFields(try source.read(at: body, count: 16), bigEndian: bigEndian).uint64(at: 8)
            } else if chunk.matches("fmt ", at: 0) {
                let fmt = ByteFields(try source.read(at: body, count: min(size, 40)), bigEndian: bigEndian)
                header.formatTag = fmt.uint16(at: 0)
                header.channels = fmt.uint16(at: 2) ?? 0
                header.sampleRate = fmt.uint32(at: 4) ?? 0
                header.blockAlign = fmt.uint16(at: 12) ?? 0
                if header.formatTag == 0xFFFE, size >= 40, let sub = fmt.uint16(at: 24) {
                    header.formatTag = sub
                }
            } else if chunk.matches("data", at: 0) {
                header.dataOffset = body
                if isRF64 && size == 0xFFFF_FFFF {
                    header.declaredDataBytes = ds64DataBytes.map { Int(clamping: $0) }
                } else if size != 0xFFFF_FFFF {
                    header.declaredDataBytes = size
                }
                break
            }
            let next = body + size + (size & 1)
            guard next > offset, next < source.size else { break }
            offset = next
        }
        return header
    }

    /// Bytes of sample data in the file after `dataOffset`.
    func availableDataBytes(fileSize: Int) -> Int? {
        dataOffset.map { max(0, fileSize - $0) }
    }

    /// `bytes` of data as seconds, when the header's block size and rate allow it.
    func seconds(ofBytes bytes: Int) -> Double? {
        guard blockAlign > 0, sampleRate > 0 else { return nil }
        return Double(bytes / blockAlign) / Double(sampleRate)
    }

    /// Format tags libsndfile decodes in a WAV file.
    static let decodableTags: Set<Int> = [
        0x0001, 0x0003, 0x0006, 0x0007,  // PCM, IEEE float, A-law, µ-law
        0x0002, 0x0011, 0x0031,          // MS ADPCM, IMA ADPCM, GSM 6.10
        0x0040, 0x0050, 0x0055,          // G.721, MPEG, MPEG layer III
    ]
}
