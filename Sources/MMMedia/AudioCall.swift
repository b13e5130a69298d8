import CAudio

/// Helpers shared by the Swift wrappers around the CAudio shim.
enum AudioCall {
    static let messageCapacity = 256

    /// Runs a shim call with an error buffer and returns its status and message.
    static func withMessage(_ body: (UnsafeMutablePointer<CChar>, Int) -> mm_audio_status) -> (mm_audio_status, String) {
        var buffer = [CChar](repeating: 0, count: messageCapacity)
        let status = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        let message = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (status, message.isEmpty ? "unknown error" : message)
    }

    /// The `MediaError` for a failed decoding call on a file of `format`.
    static func error(_ status: mm_audio_status, message: String, format: AudioFormat, name: String) -> MediaError {
        switch status {
        case MM_AUDIO_ERR_UNSUPPORTED:
            return MediaError(path: name, kind: .unsupported, reason: "unsupported \(format.rawValue): \(message)")
        case MM_AUDIO_ERR_IO:
            return MediaError(path: name, kind: .unreadable, reason: "cannot read (\(message))")
        case MM_AUDIO_ERR_NO_MEMORY:
            return MediaError(path: name, kind: .outOfMemory, reason: "out of memory decoding \(format.rawValue)")
        default:
            return MediaError(path: name, kind: .corrupt, reason: "corrupt \(format.rawValue): \(cleaned(message))")
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
