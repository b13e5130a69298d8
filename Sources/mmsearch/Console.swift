import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to the terminal: results to stdout, everything else to stderr.
enum Console {
    /// Writes one line to stderr.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes raw text to stderr (no newline added).
    static func errorRaw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// True when stderr is a terminal (progress is drawn only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
