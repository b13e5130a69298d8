import Foundation
import MMSearchKit

/// Recognised text (a word, or a passage's words) and where it was said, in seconds from the
/// start of the file.
public struct TimedText: Sendable, Equatable {
    public let text: String
    public let start: Double
    public let end: Double

    public init(text: String, start: Double, end: Double) {
        self.text = text
        self.start = start
        self.end = end
    }
}

/// A recognised word and where it was said.
public typealias SpokenWord = TimedText

/// What a recogniser heard in one file.
public struct Transcript: Sendable, Equatable {
    /// Stretches of speech between pauses, each a run of words, in order. Empty when nothing
    /// was recognised (music, noise, silence).
    public let utterances: [[SpokenWord]]
    /// Seconds of audio read.
    public let duration: Double
    /// True when reading stopped at the duration limit while the file went on.
    public let stoppedAtLimit: Bool
    /// The file's length as its header gives it, when it does.
    public let declaredDuration: Double?

    public init(utterances: [[SpokenWord]], duration: Double, stoppedAtLimit: Bool = false,
                declaredDuration: Double? = nil) {
        self.utterances = utterances.filter { !$0.isEmpty }
        self.duration = duration
        self.stoppedAtLimit = stoppedAtLimit
        self.declaredDuration = declaredDuration
    }

    public var words: [SpokenWord] { utterances.flatMap { $0 } }
    /// The words, separated by spaces.
    public var text: String { words.map(\.text).joined(separator: " ") }
    public var isEmpty: Bool { utterances.isEmpty }

    /// What to tell about how the file was read: no speech, the part read when it was cut
    /// short, or nil.
    public var note: FileNote? {
        let note = FileNote(noSpeech: isEmpty, cut: stoppedAtLimit ? (duration, declaredDuration) : nil)
        return note.isEmpty ? nil : note
    }
}

/// An error of the speech encoder that names the file.
public struct SpeechError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
