/// The 4-byte header of an MPEG audio frame (layers I–III, MPEG 1, 2 and 2.5).
struct MPEGAudioHeader: Equatable {
    /// 3 for MPEG 1, 2 for MPEG 2, 0 for MPEG 2.5 (the header's two version bits).
    let version: Int
    /// 1, 2 or 3.
    let layer: Int
    let hasCRC: Bool
    let isMono: Bool

    /// The header at `offset`, when its sync word and fields are valid (no reserved version,
    /// layer, bitrate or sample-rate code).
    init?(_ bytes: [UInt8], at offset: Int) {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        let b1 = bytes[offset + 1]
        let b2 = bytes[offset + 2]
        let b3 = bytes[offset + 3]
        guard bytes[offset] == 0xFF, b1 & 0xE0 == 0xE0 else { return nil }
        let version = Int(b1 >> 3) & 3
        let layerBits = Int(b1 >> 1) & 3
        guard version != 1, layerBits != 0, b2 >> 4 != 15, (b2 >> 2) & 3 != 3 else { return nil }
        self.version = version
        self.layer = 4 - layerBits
        self.hasCRC = b1 & 1 == 0
        self.isMono = b3 >> 6 == 3
    }

    /// Whether the frame at `offset` is a Xing/Info or VBRI frame that counts the stream's
    /// frames, which makes the length libsndfile (mpg123) reports exact rather than an
    /// estimate from the file size and the first frame's bitrate.
    static func declaresFrameCount(_ bytes: [UInt8], at offset: Int) -> Bool {
        guard let header = MPEGAudioHeader(bytes, at: offset), header.layer == 3 else { return false }
        let fields = ByteFields(bytes, bigEndian: true)
        // Xing/Info follows the side information (17 or 32 bytes for MPEG 1, 9 or 17 otherwise).
        let sideInfo = header.version == 3 ? (header.isMono ? 17 : 32) : (header.isMono ? 9 : 17)
        let xing = offset + 4 + (header.hasCRC ? 2 : 0) + sideInfo
        if fields.matches("Xing", at: xing) || fields.matches("Info", at: xing) {
            guard let flags = fields.uint32(at: xing + 4), let frames = fields.uint32(at: xing + 8) else { return false }
            return flags & 1 != 0 && frames > 0
        }
        // VBRI (Fraunhofer) sits 32 bytes after the header.
        if fields.matches("VBRI", at: offset + 36) {
            return (fields.uint32(at: offset + 36 + 14) ?? 0) > 0
        }
        return false
    }
}
