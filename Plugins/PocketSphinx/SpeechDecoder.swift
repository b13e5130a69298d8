import CSpeech
import Foundation
import MMMedia

/// One pocketsphinx decoder: not thread-safe, so each is used by one thread at a time (the
/// recogniser keeps a pool). Each file is a stream of its own: noise levels are estimated
/// afresh, and word frames count from the file's first sample.
final class SpeechDecoder {
    private let handle: OpaquePointer
    private let frameRate: Double
    /// Samples of the current file fed so far.
    private var fed = 0

    /// pocketsphinx's rate.
    static let sampleRate = 16_000
    /// Samples fed per step: 0.1 s, the granularity of utterance ends.
    static let blockSamples = 1_600

    init(model: SpeechModel) throws {
        var handle: OpaquePointer?
        var message = [CChar](repeating: 0, count: 256)
        let status = mm_speech_open(model.acousticModel.path, model.languageModel.path, model.dictionary.path,
                                    &handle, &message, message.count)
        guard status == Int32(MM_SPEECH_OK), let handle else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw SpeechModelError("pocketsphinx model \(model.acousticModel.path): "
                                   + (text.isEmpty ? "cannot be loaded" : text))
        }
        self.handle = handle
        let rate = Int(mm_speech_frame_rate(handle))
        frameRate = Double(rate > 0 ? rate : 100)
    }

    deinit { mm_speech_close(handle) }

    /// Transcribes what `reader` returns (16 kHz mono), one utterance per stretch of speech
    /// between pauses the voice activity detector hears. Word times are seconds from the
    /// reader's first sample, clamped to the audio read.
    func transcribe(_ reader: AudioReader, name: String) throws -> [[SpokenWord]] {
        fed = 0
        try check(mm_speech_start_stream(handle), name)
        var utterances: [[SpokenWord]] = []
        var samples = [Int16](repeating: 0, count: Self.blockSamples)
        var heard = false
        try check(mm_speech_begin(handle), name)
        while let block = try reader.nextBlock(samples: Self.blockSamples) {
            for (i, x) in block.samples.enumerated() {
                samples[i] = Int16((max(-1, min(1, x)) * 32767).rounded())
            }
            var inSpeech: Int32 = 0
            let status = samples.withUnsafeBufferPointer {
                mm_speech_feed(handle, $0.baseAddress, block.samples.count, &inSpeech)
            }
            fed += block.samples.count
            try check(status, name)
            if inSpeech != 0 {
                heard = true
            } else if heard {
                // A pause: the utterance is over.
                utterances.append(try finish(name: name))
                try check(mm_speech_begin(handle), name)
                heard = false
            }
        }
        utterances.append(try finish(name: name))
        return utterances.filter { !$0.isEmpty && !Self.soundsLikeNoise($0) }
    }

    /// Longest mean word length of an utterance kept as speech, in seconds.
    static let maxMeanWordSeconds = 0.6

    /// pocketsphinx hears music and noise as a few very long words ("wow" for 8 s of a
    /// chord); speech runs at two to five words a second. An utterance whose words last more
    /// than `maxMeanWordSeconds` on average is taken for noise and dropped.
    static func soundsLikeNoise(_ words: [SpokenWord]) -> Bool {
        let total = words.reduce(0) { $0 + ($1.end - $1.start) }
        return total / Double(words.count) > maxMeanWordSeconds
    }

    /// Ends the utterance and returns its words, timed from the start of the file.
    private func finish(name: String) throws -> [SpokenWord] {
        let count = mm_speech_finish(handle)
        guard count >= 0 else { throw EncoderErrorText.decode(name) }
        let limit = Double(fed) / Double(Self.sampleRate)
        var words: [SpokenWord] = []
        for i in 0..<count {
            var first: Int32 = 0
            var last: Int32 = 0
            guard let text = mm_speech_word(handle, i, &first, &last) else { continue }
            let start = min(limit, max(0, Double(first) / frameRate))
            let end = min(limit, max(start, Double(last + 1) / frameRate))
            words.append(SpokenWord(text: String(cString: text), start: start, end: end))
        }
        return words
    }

    private func check(_ status: Int32, _ name: String) throws {
        guard status == Int32(MM_SPEECH_OK) else { throw EncoderErrorText.decode(name) }
    }
}

enum EncoderErrorText {
    static func decode(_ name: String) -> SpeechError {
        SpeechError("\(name): the speech recogniser failed on this audio")
    }
}
