import CAudio
import Foundation

/// Helpers shared by the Swift wrappers around the CAudio shim (calls go through
/// `ShimCall.withMessage`).
enum AudioCall {
    /// The `MediaError` for a failed decoding call on a file of `format`.
    static func error(_ status: mm_status, message: String, format: AudioFormat, name: String) -> MediaError {
        switch status {
        case MM_ERR_UNSUPPORTED:
            return .unsupported(name, format.rawValue, message)
        case MM_ERR_IO:
            return MediaError(path: name, kind: .unreadable, reason: "cannot read (\(message))")
        case MM_ERR_NO_MEMORY:
            return .outOfMemory(name, format.rawValue)
        default:
            return .corrupt(name, format.rawValue, cleaned(message))
        }
    }

    /// libsndfile's "Error in WAV/W64/RF64 file. Malformed 'fmt ' chunk." reads
    /// "malformed 'fmt ' chunk"; its "Supported file format but file is malformed." reads
    /// "the file is malformed".
    private static func cleaned(_ message: String) -> String {
        var text = message
        for prefix in ["Error in WAV/W64/RF64 file. ", "Error : ", "Supported file format but "] where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
        }
        if text.hasPrefix("file is") { text = "the " + text }
        while text.hasSuffix(".") { text.removeLast() }
        guard let first = text.first else { return "unknown error" }
        return first.lowercased() + text.dropFirst()
    }

    /// A shim message and the decoder's diagnostics after its first newline, if any.
    static func splitDiagnostics(_ message: String) -> (message: String, diagnostics: String) {
        guard let newline = message.firstIndex(of: "\n") else { return (message, "") }
        return (String(message[..<newline]), String(message[message.index(after: newline)...]))
    }

    /// What a decoder wrote on stderr, as a few words for the end of one `path: reason` line:
    /// its distinct messages in order (without libmpg123's `[src/…] error:` prefix), repeats
    /// counted, at most three, each at most 100 characters. nil when it said nothing.
    static func summary(ofDiagnostics text: String) -> String? {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                line = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            }
            for prefix in ["error:", "warning:", "note:"] where line.lowercased().hasPrefix(prefix) {
                line = String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
            guard !line.isEmpty else { continue }
            if line.count > 100 { line = String(line.prefix(99)) + "…" }
            if counts[line] == nil { order.append(line) }
            counts[line, default: 0] += 1
        }
        guard !order.isEmpty else { return nil }
        var words = order.prefix(3).map { line in counts[line]! > 1 ? "\(line) (\(counts[line]!) times)" : line }
        if order.count > 3 { words.append("\(order.count - 3) more") }
        return words.joined(separator: "; ")
    }
}

extension MediaError {
    /// The error with what the decoder itself said folded into its reason, so a damaged file
    /// still gives one `path: reason` line.
    func adding(diagnostics: String) -> MediaError {
        guard let summary = AudioCall.summary(ofDiagnostics: diagnostics) else { return self }
        return MediaError(path: path, kind: kind, reason: reason + " (the decoder said: \(summary))")
    }
}
