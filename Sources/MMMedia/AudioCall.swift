import CAudio

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
}
