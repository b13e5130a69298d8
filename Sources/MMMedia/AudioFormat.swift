/// An audio format this module decodes, recognised from the content (never from the file
/// name's extension).
public enum AudioFormat: String, Sendable, CaseIterable {
    case wav = "WAV"
    case flac = "FLAC"
    case oggVorbis = "Ogg Vorbis"
    case oggOpus = "Ogg Opus"
    case mp3 = "MP3"

    /// "WAV, FLAC, Ogg Vorbis, Ogg Opus and MP3", for messages.
    static let supportedList = "WAV, FLAC, Ogg Vorbis, Ogg Opus and MP3"
}

/// What the first bytes of a file say about it.
enum AudioSniff: Equatable {
    case format(AudioFormat)
    /// Audio, or a container that may hold audio, that this module does not decode: its name.
    case unsupported(String)
    /// The file ends inside the signature's structure: the format, as far as it is known.
    case cutOff(String)
    /// Nothing recognised.
    case unknown
}

extension AudioSniff {
    /// Looks at the signatures: RIFF/RIFX/RF64 `WAVE`; `fLaC`; `OggS` and the codec named by
    /// the first packet; an MPEG audio frame header. An ID3v2 tag in front (MP3's, and
    /// libsndfile skips it before any format) is passed over: `offset` is where the container
    /// starts. A few other audio containers are named so that the message can say what the
    /// file is.
    static func of(_ source: AudioSource) throws -> (sniff: AudioSniff, offset: Int) {
        let offset = id3Length(try source.read(at: 0, count: 10))
        let head = try source.read(at: offset, count: 512)
        let sniff = of(head)
        // A tag followed by something else: MP3 frames after padding or junk (mpg123 resyncs).
        return (offset > 0 && sniff == .unknown ? .format(.mp3) : sniff, offset)
    }

    static func of(_ head: [UInt8]) -> AudioSniff {
        let fields = ByteFields(head)
        if ["RIFF", "RIFX", "RF64"].contains(where: { fields.matches($0, at: 0) }) && fields.matches("WAVE", at: 8) {
            return .format(.wav)
        }
        if fields.matches("fLaC", at: 0) {
            return .format(.flac)
        }
        if fields.matches("OggS", at: 0) {
            return oggCodec(head)
        }
        if MPEGAudioHeader(head, at: 0) != nil {
            return .format(.mp3)
        }
        if let name = otherContainer(head) {
            return .unsupported(name)
        }
        return .unknown
    }

    /// The length of an ID3v2 tag at the start of `head` (10-byte header, the size in four
    /// 7-bit bytes, a 10-byte footer when flag 0x10 is set); 0 when there is none.
    static func id3Length(_ head: [UInt8]) -> Int {
        guard head.count >= 10, ByteFields(head).matches("ID3", at: 0) else { return 0 }
        let size = head[6..<10].reduce(0) { $0 << 7 | Int($1 & 0x7F) }
        return 10 + size + (head[5] & 0x10 != 0 ? 10 : 0)
    }

    /// The codec of an Ogg stream, from the first packet of its first page.
    private static func oggCodec(_ head: [UInt8]) -> AudioSniff {
        let fields = ByteFields(head)
        guard let segments = fields.uint(at: 26, size: 1), head.count >= 27 + Int(segments) + 8 else {
            return .cutOff("Ogg")
        }
        let packet = 27 + Int(segments)
        if fields.matches("\u{01}vorbis", at: packet) { return .format(.oggVorbis) }
        if fields.matches("OpusHead", at: packet) { return .format(.oggOpus) }
        if fields.matches("\u{7F}FLAC", at: packet) { return .unsupported("FLAC in Ogg") }
        if fields.matches("Speex   ", at: packet) { return .unsupported("Ogg Speex") }
        if head.count > packet + 6, head[packet] == 0x80, fields.matches("theora", at: packet + 1) {
            return .unsupported("Ogg Theora video")
        }
        return .unsupported("an Ogg stream of an unknown codec")
    }

    /// Names of audio (and audio-bearing) containers this module leaves alone.
    private static func otherContainer(_ head: [UInt8]) -> String? {
        let fields = ByteFields(head)
        if fields.matches("FORM", at: 0) && (fields.matches("AIFF", at: 8) || fields.matches("AIFC", at: 8)) {
            return "AIFF"
        }
        if fields.matches("ftyp", at: 4) { return "MP4/M4A (AAC or ALAC)" }
        if head.count >= 2, head[0] == 0xFF, head[1] & 0xF6 == 0xF0 { return "AAC (ADTS)" }
        if head.starts(with: [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) { return "ASF (WMA)" }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "Matroska/WebM" }
        let named: [(String, String)] = [
            ("caff", "CAF"), (".snd", "Sun AU"), ("wvpk", "WavPack"), ("MAC ", "Monkey's Audio"),
            ("#!AMR", "AMR"), ("MThd", "MIDI"), ("riff", "Sony Wave64"),
        ]
        return named.first { fields.matches($0.0, at: 0) }?.1
    }
}
