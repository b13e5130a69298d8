import CAudio

/// Streams an audio file as mono `Float` samples at the rate the caller asks for, in blocks:
/// the file is read, mixed down and resampled a chunk at a time, so memory stays bounded
/// whatever its length. Speech recognisers and window-by-window encoders read it block by
/// block; `AudioDecoder.decode` reads it whole.
///
/// Each source chunk is mixed down to the mean of its channels (summed in channel order,
/// divided by the channel count) and fed to libsamplerate (`ResampleQuality`); when the file's
/// rate is the one asked for, the samples pass through unchanged. The output holds exactly
/// `ceil(n * sampleRate / fileRate)` samples for `n` source frames read, the converter's tail
/// computed with silence after the last frame. Samples are clamped to [-1, 1].
///
/// Reading stops at the end of the data, or after `min(maxSeconds, limits.maxSeconds)` of
/// audio from the starting point; then `stoppedAtLimit` says whether more audio followed, and
/// the rest of the file is not read. Not thread-safe: use one reader from one thread.
public final class AudioReader {
    /// The file's stream as its header describes it.
    public let source: AudioSourceInfo
    /// The rate of the samples this reader returns.
    public let sampleRate: Int
    /// Where the first sample lies in the file, in seconds.
    public let startTime: Double
    /// True once reading stopped at the duration limit while the file held more audio.
    public private(set) var stoppedAtLimit = false
    /// Samples returned so far.
    public private(set) var samplesDelivered = 0

    private let input: AudioSource
    private let handle: OpaquePointer
    private let resampler: AudioResampler?
    private let format: AudioFormat
    /// Frames by which the decoded length may fall short of the declared one without the file
    /// being called truncated; nil when the declared length is not to be trusted.
    private let lengthSlack: Int?
    /// The source frame where reading began.
    private let startFrame: Int
    /// Source frames to read at most (from `startFrame`).
    private let budget: Int
    private var consumed = 0
    private var produced = 0
    private var sourceDone = false
    private var finished = false
    private var failure: MediaError?
    private var pending: [Float] = []
    private var pendingStart = 0
    private var chunk = [Float](repeating: 0, count: AudioReader.chunkFrames)

    /// Source frames read, mixed down and resampled per step.
    static let chunkFrames = 16384

    /// Opens the audio file at `url`.
    ///
    /// - Parameters:
    ///   - sampleRate: the rate of the returned samples (16 000 for speech recognition, 48 000
    ///     for CLAP…); must be positive.
    ///   - limits: refuse files above `maxFileBytes`; stop after `maxSeconds` of audio.
    ///   - startingAt: seconds into the file where reading begins (negative counts as 0;
    ///     past the end gives no samples).
    ///   - maxSeconds: read at most this much audio for this call (the smaller of it and
    ///     `limits.maxSeconds` applies).
    ///   - quality: libsamplerate's converter, when resampling.
    /// - Throws: `MediaError`, whose message starts with the path as `url` gives it.
    public convenience init(contentsOf url: URL, sampleRate: Int, limits: AudioLimits = .init(),
                            startingAt: Double = 0, maxSeconds: Double? = nil,
                            quality: ResampleQuality = .medium) throws {
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        let source = try AudioSource(path: url.path, name: name, maxBytes: limits.maxFileBytes)
        try self.init(source: source, sampleRate: sampleRate, limits: limits, startingAt: startingAt,
                      maxSeconds: maxSeconds, quality: quality)
    }

    /// Opens audio held in memory (copied). `name` stands for the file in error messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>", sampleRate: Int,
                            limits: AudioLimits = .init(), startingAt: Double = 0, maxSeconds: Double? = nil,
                            quality: ResampleQuality = .medium) throws {
        let source = try AudioSource(bytes: bytes, name: name, maxBytes: limits.maxFileBytes)
        try self.init(source: source, sampleRate: sampleRate, limits: limits, startingAt: startingAt,
                      maxSeconds: maxSeconds, quality: quality)
    }

    init(source input: AudioSource, sampleRate: Int, limits: AudioLimits, startingAt: Double,
         maxSeconds: Double?, quality: ResampleQuality) throws {
        precondition(sampleRate > 0, "AudioReader: sample rate \(sampleRate)")
        let name = input.name
        let (format, offset) = try Self.recognise(input)
        let wav = format == .wav ? try WAVHeader.read(input, at: offset) : nil
        try Self.checkContainer(format, wav: wav, input)
        let mp3Head = format == .mp3 ? try input.read(at: offset, count: 64) : []
        switch format {
        // STREAMINFO's total is exact.
        case .flac: lengthSlack = 0
        // mpg123's length is exact only when a Xing/Info/VBRI frame counts the frames; one MPEG
        // frame of slack.
        case .mp3: lengthSlack = MPEGAudioHeader.declaresFrameCount(mp3Head, at: 0) ? 1152 : nil
        // A cut WAV is caught by its data chunk size, a cut Ogg stream by its last page, before
        // decoding. (A compressed WAV's frame count is only an estimate: MP3 in WAV.)
        case .wav, .oggVorbis, .oggOpus: lengthSlack = nil
        }

        // libsndfile skips an ID3 tag itself, but then misjudges where a WAV's data ends: only an
        // MP3 (whose decoder reads its tags) is handed the tag.
        let containerStart = format == .mp3 ? 0 : Int64(offset)
        var handle: OpaquePointer?
        var info = mm_audio_info()
        let (status, message) = ShimCall.withMessage { text, capacity in
            switch input.storage {
            case .descriptor(let fd):
                mm_audio_open_fd(fd, containerStart, Int64(input.size), &handle, &info, text, capacity)
            case .memory(let buffer):
                mm_audio_open_memory(buffer.baseAddress, containerStart, Int64(buffer.count), &handle, &info, text, capacity)
            }
        }
        guard status == MM_OK, let handle else {
            if status == MM_ERR_CORRUPT, let tag = wav?.formatTag, !WAVHeader.decodableTags.contains(tag) {
                throw MediaError(path: name, kind: .unsupported, reason: "unsupported WAV codec (format tag \(hexFormatTag(tag)))")
            }
            // The decoder's own words follow the shim's message after a newline.
            let (text, diagnostics) = AudioCall.splitDiagnostics(message)
            throw AudioCall.error(status, message: text, format: format, name: name).adding(diagnostics: diagnostics)
        }
        self.handle = handle
        self.input = input
        self.format = format
        self.sampleRate = sampleRate

        let rate = Int(info.sample_rate)
        let declared = info.frames >= 0 ? Int(info.frames) : nil
        source = AudioSourceInfo(format: format, sampleRate: rate, channels: Int(info.channels), declaredFrames: declared)

        if rate == sampleRate {
            resampler = nil
        } else {
            guard AudioResampler.canConvert(from: rate, to: sampleRate) else {
                mm_audio_close(handle)
                throw MediaError(path: name, kind: .unsupported,
                                 reason: "unsupported sample rate: \(rate) Hz cannot be resampled to \(sampleRate) Hz (libsamplerate converts by factors up to 256)")
            }
            guard let converter = AudioResampler(from: rate, to: sampleRate, quality: quality) else {
                mm_audio_close(handle)
                throw MediaError(path: name, kind: .outOfMemory, reason: "out of memory starting the resampler")
            }
            resampler = converter
        }

        let seconds = min(maxSeconds ?? .infinity, limits.maxSeconds)
        budget = Self.frames(seconds, rate: rate)
        var start = Self.frames(startingAt, rate: rate)
        var atEnd = false
        if let declared, start >= declared {
            start = declared
            atEnd = true
        } else if start > 0 {
            do {
                atEnd = try Self.move(handle, to: start, format: format, name: name)
            } catch {
                mm_audio_close(handle)
                throw error
            }
        }
        startFrame = start
        startTime = Double(start) / Double(rate)
        sourceDone = atEnd
        finished = atEnd
    }

    deinit { mm_audio_close(handle) }

    /// Bytes libsndfile has read from the file so far (headers included).
    var bytesRead: UInt64 { mm_audio_bytes_read(handle) }

    /// Samples the reader holds now, returned or not (what streaming keeps in memory).
    var bufferedSamples: Int { pending.count }

    // MARK: - Reading

    /// The next `count` samples (fewer only at the end), or nil when every sample has been
    /// returned. An error is thrown again by later calls.
    public func nextBlock(samples count: Int) throws -> AudioBlock? {
        precondition(count > 0, "AudioReader.nextBlock: \(count) samples")
        try fill(until: count)
        let available = pending.count - pendingStart
        guard available > 0 else { return nil }
        let n = min(count, available)
        let block = AudioBlock(samples: Array(pending[pendingStart..<pendingStart + n]), offset: samplesDelivered,
                               startTime: startTime + Double(samplesDelivered) / Double(sampleRate))
        pendingStart += n
        samplesDelivered += n
        if pendingStart >= Self.chunkFrames && pendingStart * 2 >= pending.count {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        return block
    }

    /// Everything not yet returned, as one `PCMAudio`.
    public func readToEnd() throws -> PCMAudio {
        try fill(until: .max)
        var samples: [Float] = []
        swap(&samples, &pending)
        if pendingStart > 0 {
            samples.removeFirst(pendingStart)
        }
        let start = startTime + Double(samplesDelivered) / Double(sampleRate)
        pendingStart = 0
        samplesDelivered += samples.count
        return PCMAudio(samples: samples, sampleRate: sampleRate, startTime: start,
                        stoppedAtLimit: stoppedAtLimit, source: source)
    }

    private func fill(until count: Int) throws {
        if let failure { throw failure }
        do {
            while !finished && pending.count - pendingStart < count {
                try step()
            }
        } catch let error as MediaError {
            let folded = error.adding(diagnostics: String(cString: mm_audio_diagnostics(handle)))
            failure = folded
            throw folded
        }
    }

    /// Reads, mixes down and resamples one chunk; at the end, flushes the resampler.
    private func step() throws {
        if sourceDone {
            try flush()
            return
        }
        let wanted = min(Self.chunkFrames, budget - consumed)
        if wanted == 0 {
            stoppedAtLimit = moreAudioFollows()
            sourceDone = true
            return
        }
        let got = try readMono(wanted)
        consumed += got
        try deliver(count: got)
        if got < wanted {
            sourceDone = true
            try checkLength(framesSeen: startFrame + consumed)
        }
    }

    /// Reads up to `count` mono frames into `chunk`.
    private func readMono(_ count: Int) throws -> Int {
        var got: Int64 = 0
        let (status, message) = chunk.withUnsafeMutableBufferPointer { out in
            ShimCall.withMessage { text, capacity in
                mm_audio_read_mono(handle, out.baseAddress, Int64(count), &got, text, capacity)
            }
        }
        if status == MM_ERR_NOT_FINITE {
            let seconds = Double(startFrame + consumed + Int(got)) / Double(source.sampleRate)
            throw MediaError(path: input.name, kind: .corrupt,
                             reason: "corrupt \(format.rawValue): the sample at \(formatSeconds(seconds)) is not a finite number")
        }
        guard status == MM_OK else {
            // A decoder that fails once it has been handed the last bytes of a file shorter than
            // its header says (FLAC: "lost sync" in a half frame) meets the cut, not damage.
            if status == MM_ERR_CORRUPT, mm_audio_reached_end(handle) != 0 {
                try checkLength(framesSeen: startFrame + consumed + Int(got))
            }
            throw AudioCall.error(status, message: message, format: format, name: input.name)
        }
        return Int(got)
    }

    /// Appends the first `count` frames of `chunk` to the output, resampled when needed.
    private func deliver(count: Int) throws {
        let before = pending.count
        if let resampler {
            try chunk.withUnsafeBufferPointer { frames in
                try resample(resampler, UnsafeBufferPointer(rebasing: frames[..<count]), end: false)
            }
        } else {
            pending.append(contentsOf: chunk[..<count])
        }
        clamp(from: before)
        produced += pending.count - before
    }

    /// The resampler's tail (fed with silence, enough for its last outputs), trimmed or padded
    /// to `ceil(consumed * sampleRate / fileRate)` samples.
    private func flush() throws {
        finished = true
        guard let resampler, consumed > 0 else { return }
        let before = pending.count
        let silence = [Float](repeating: 0, count: 2 * (source.sampleRate / sampleRate + 1) + 16)
        try silence.withUnsafeBufferPointer { try resample(resampler, $0, end: true) }
        clamp(from: before)
        produced += pending.count - before
        let expected = Self.outputLength(frames: consumed, from: source.sampleRate, to: sampleRate)
        if produced > expected {
            pending.removeLast(min(produced - expected, pending.count - pendingStart))
        } else if produced < expected {
            pending.append(contentsOf: repeatElement(0, count: expected - produced))
        }
        produced = expected
    }

    private func resample(_ resampler: AudioResampler, _ frames: UnsafeBufferPointer<Float>, end: Bool) throws {
        do {
            try resampler.process(frames, end: end, into: &pending)
        } catch {
            throw MediaError(path: input.name, kind: .unsupported,
                             reason: "cannot resample \(source.sampleRate) Hz to \(sampleRate) Hz: \(error.message)")
        }
    }

    private func clamp(from index: Int) {
        let count = pending.count - index
        guard count > 0 else { return }
        pending.withUnsafeMutableBufferPointer { mm_audio_clamp($0.baseAddress! + index, Int64(count)) }
    }

    /// Whether a frame follows the limit (a damaged one counts: it is more of the file).
    private func moreAudioFollows() -> Bool {
        var frame: Float = 0
        var got: Int64 = 0
        let (status, _) = ShimCall.withMessage { text, capacity in
            mm_audio_read_mono(handle, &frame, 1, &got, text, capacity)
        }
        return status != MM_OK || got > 0
    }

    /// At the end of the data: a file whose data stops before the length its header declares
    /// is truncated.
    private func checkLength(framesSeen seen: Int) throws {
        guard let slack = lengthSlack, let declared = source.declaredFrames else { return }
        if seen + slack < declared {
            let rate = Double(source.sampleRate)
            throw MediaError(path: input.name, kind: .truncated,
                             reason: "truncated \(format.rawValue): the header declares \(formatSeconds(Double(declared) / rate)) of audio but the data ends after \(formatSeconds(Double(seen) / rate))")
        }
    }
}

@available(*, unavailable)
extension AudioReader: Sendable {}

/// Consecutive samples from an `AudioReader`.
public struct AudioBlock: Sendable, Equatable {
    /// Mono samples at the reader's rate.
    public let samples: [Float]
    /// The index of `samples[0]` among all the samples the reader returns.
    public let offset: Int
    /// Where `samples[0]` lies in the file, in seconds.
    public let startTime: Double
}
