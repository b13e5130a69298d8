import CAudio

/// What `AudioReader` does before reading: recognising the format, checking what the
/// container declares, moving to the starting point, and the frame arithmetic.
extension AudioReader {
    /// Moves to frame `start`: libsndfile's seek, except in Vorbis, where libsndfile 1.2's seek
    /// is not sample-exact and the frames before `start` are decoded and dropped. Returns
    /// whether the data ended before `start`.
    static func move(_ handle: OpaquePointer, to start: Int, format: AudioFormat, name: String) throws -> Bool {
        if format != .oggVorbis {
            let (status, message) = ShimCall.withMessage { text, capacity in
                mm_audio_seek(handle, Int64(start), text, capacity)
            }
            guard status == MM_OK else {
                throw AudioCall.error(status, message: message, format: format, name: name)
            }
            return false
        }
        var scratch = [Float](repeating: 0, count: chunkFrames)
        var skipped = 0
        while skipped < start {
            let wanted = min(chunkFrames, start - skipped)
            var got: Int64 = 0
            let (status, message) = scratch.withUnsafeMutableBufferPointer { out in
                ShimCall.withMessage { text, capacity in
                    mm_audio_read_mono(handle, out.baseAddress, Int64(wanted), &got, text, capacity)
                }
            }
            guard status == MM_OK else {
                throw AudioCall.error(status, message: message, format: format, name: name)
            }
            skipped += Int(got)
            if Int(got) < wanted {
                return true
            }
        }
        return false
    }

    /// The format, and where its container starts (after an ID3 tag).
    static func recognise(_ input: AudioSource) throws -> (AudioFormat, Int) {
        let (sniff, offset) = try AudioSniff.of(input)
        switch sniff {
        case .format(let format):
            return (format, offset)
        case .unsupported(let what):
            throw MediaError(path: input.name, kind: .unsupported,
                             reason: "unsupported audio format: \(what) (decodable: \(AudioFormat.supportedList))")
        case .cutOff(let what):
            throw MediaError(path: input.name, kind: .truncated, reason: "truncated \(what) (the file ends inside its first page)")
        case .unknown:
            let head = try input.read(at: 0, count: 8)
            let prefix = head.withUnsafeBytes { ImageFormat.describePrefix($0) }
            throw MediaError(path: input.name, kind: .notAudio, reason: "not a WAV, FLAC, Ogg or MP3 file (\(prefix))")
        }
    }

    /// What the container itself shows before decoding: a WAV whose `data` chunk runs past the
    /// end of the file (a cut-off file, or a header claiming hours that are not there), an Ogg
    /// file that does not end with a complete end-of-stream page.
    static func checkContainer(_ format: AudioFormat, wav: WAVHeader?, _ input: AudioSource) throws {
        let name = input.name
        if let wav, let declared = wav.declaredDataBytes, let available = wav.availableDataBytes(fileSize: input.size),
           declared - available >= max(1, wav.blockAlign) {
            let said = wav.seconds(ofBytes: declared).map(formatSeconds) ?? "\(byteCount(declared))"
            let held = wav.seconds(ofBytes: available).map(formatSeconds) ?? "\(byteCount(available))"
            throw MediaError(path: name, kind: .truncated,
                             reason: "truncated WAV: the header declares \(said) of audio but the file holds \(held)")
        }
        if format == .oggVorbis || format == .oggOpus {
            switch try OggTail.of(input) {
            case .complete:
                break
            case .cutInsidePage:
                throw MediaError(path: name, kind: .truncated, reason: "truncated \(format.rawValue): the file ends inside an Ogg page")
            case .noEndOfStream:
                throw MediaError(path: name, kind: .truncated,
                                 reason: "truncated \(format.rawValue): the last Ogg page does not end the stream")
            case .noPage:
                throw MediaError(path: name, kind: .corrupt,
                                 reason: "corrupt \(format.rawValue): no valid Ogg page at the end of the file")
            }
        }
    }

    /// `seconds` as a frame count at `rate`, rounded; negative or NaN is 0, huge is unlimited.
    static func frames(_ seconds: Double, rate: Int) -> Int {
        guard seconds > 0 else { return 0 }
        let frames = (seconds * Double(rate)).rounded()
        return frames < 0x1p62 ? Int(frames) : Int.max
    }

    /// `ceil(frames * outputRate / inputRate)`, without overflow.
    static func outputLength(frames: Int, from inputRate: Int, to outputRate: Int) -> Int {
        let product = frames.multipliedFullWidth(by: outputRate)
        let (quotient, remainder) = inputRate.dividingFullWidth(product)
        return remainder > 0 ? quotient + 1 : quotient
    }
}

/// "0x2000": a WAV format tag as the specifications write it.
func hexFormatTag(_ value: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
