/// Calls into the C shims (CCodecs, CAudio), which share one error convention (CShim's
/// `mm_shim_error.h`): each call returns its shim's status code and writes a message into a
/// buffer the caller provides.
enum ShimCall {
    static let messageCapacity = 256

    /// Runs a shim call with an error buffer and returns its status and message ("unknown
    /// error" when the shim wrote none).
    static func withMessage<Status>(_ body: (UnsafeMutablePointer<CChar>, Int) -> Status) -> (Status, String) {
        var buffer = [CChar](repeating: 0, count: messageCapacity)
        let status = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        let message = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (status, message.isEmpty ? "unknown error" : message)
    }
}
