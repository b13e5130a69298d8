import Foundation
import MMMedia

/// Transcribes audio files with pocketsphinx, from any number of threads at once.
///
/// A pocketsphinx decoder is not thread-safe, and this version cannot share an acoustic model
/// between decoders; so the recogniser keeps a pool: a thread takes an idle decoder (opening
/// one, about 0.4 s and 40 MB, when none is idle) and gives it back when done. With the host's
/// worker threads that is at most one decoder per worker, each loaded once per process.
/// Nothing is opened until the first transcription: a process that never hears audio (a text
/// query) never pays for a decoder, and a model that cannot be opened fails each recording
/// with pocketsphinx's reason (the run goes on; the files are tried again next run).
public final class SpeechRecognizer: @unchecked Sendable {
    public let model: SpeechModel
    private let lock = NSLock()
    /// Decoders not in use; guarded by `lock`.
    private var idle: [SpeechDecoder] = []

    public init(model: SpeechModel) {
        self.model = model
    }

    /// The words spoken in the file at `url`, read with `AudioReader` (streamed, mixed down to
    /// mono and resampled to 16 kHz) for at most `limits.maxSeconds`.
    ///
    /// - Throws: `MediaError` for audio that cannot be decoded (its message starts with the
    ///   path), `SpeechError` when the recogniser fails.
    public func transcribe(contentsOf url: URL, limits: AudioLimits = AudioLimits()) throws -> Transcript {
        let reader = try AudioReader(contentsOf: url, sampleRate: SpeechDecoder.sampleRate, limits: limits)
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        let decoder = try checkOut()
        // A decoder that failed is dropped: its state is unknown.
        let utterances = try decoder.transcribe(reader, name: name)
        checkIn(decoder)
        return Transcript(utterances: utterances,
                          duration: Double(reader.samplesDelivered) / Double(reader.sampleRate),
                          stoppedAtLimit: reader.stoppedAtLimit, declaredDuration: reader.source.declaredDuration)
    }

    private func checkOut() throws -> SpeechDecoder {
        lock.lock()
        let decoder = idle.popLast()
        lock.unlock()
        return try decoder ?? SpeechDecoder(model: model)
    }

    private func checkIn(_ decoder: SpeechDecoder) {
        lock.lock()
        idle.append(decoder)
        lock.unlock()
    }
}
