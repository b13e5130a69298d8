import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to the terminal: results to stdout, everything else to stderr.
///
/// mmsearch's own lines go to a copy of stderr taken when the program starts (`start()`):
/// while a C library is decoding, the media layer points stderr itself elsewhere for a moment
/// to catch what the library prints (libmpg123 on a damaged MP3), and folds that into the
/// file's one `path: reason` line; this program's lines must not be caught with it.
enum Console {
    private static let stderr = FileHandle(fileDescriptor: dup(STDERR_FILENO), closeOnDealloc: false)

    /// Takes the copy of stderr; call before any work starts.
    static func start() { _ = stderr }

    /// Writes one line to stderr.
    static func error(_ line: String) {
        stderr.write(Data((line + "\n").utf8))
    }

    /// Writes raw text to stderr (no newline added).
    static func errorRaw(_ text: String) {
        stderr.write(Data(text.utf8))
    }

    /// True when stderr is a terminal (progress is drawn only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
