import Foundation
import MMSPluginABI

/// An encoder loaded from a shared library through the C ABI (`mmsearch_plugin.h`).
///
/// Calls are serialised unless the plugin declares `MMS_PLUGIN_THREAD_SAFE`. Everything the
/// plugin returns is checked: its status, its error text, its vector and its segments. Input
/// errors fail one file; failures that are the plugin's fault (`MMS_ERR_INTERNAL`, an unknown
/// status, an invalid vector or segment) disable it for the rest of the run once
/// `MMS_HOST_MAX_CONSECUTIVE_FAILURES` of them come in a row.
final class SharedLibraryEncoder: Encoder, @unchecked Sendable {
    let info: EncoderInfo
    /// Whether the plugin has its own `embed_text`.
    let embedsText: Bool
    // The descriptor is the plugin's, read-only until `destroy`, which only `deinit` calls.
    private let descriptor: UnsafePointer<mms_plugin>
    private let host: PluginHost
    /// Held around every call into a plugin that is not thread-safe.
    private let serial: NSLock?
    private let health = Locked(Health())

    /// Bytes of the error buffer handed to every call.
    static let errorBufferSize = 1024
    static let maxConsecutiveFailures = Int(MMS_HOST_MAX_CONSECUTIVE_FAILURES)

    private struct Health {
        var consecutiveFailures = 0
        /// Set once the plugin is disabled: the reason every later call fails with.
        var disabled: String?
    }

    init(info: EncoderInfo, descriptor: UnsafePointer<mms_plugin>, host: PluginHost) {
        self.info = info
        self.descriptor = descriptor
        self.host = host
        embedsText = descriptor.pointee.embed_text != nil
        serial = descriptor.pointee.flags & MMS_PLUGIN_THREAD_SAFE != 0 ? nil : NSLock()
    }

    deinit {
        descriptor.pointee.destroy?(descriptor)
        withExtendedLifetime(host) {}
    }

    func embed(_ input: EncoderInput) throws -> [Float] {
        try embedOne(input).vector
    }

    func embedWithParts(batch: [EncoderInput]) -> [Result<FileEmbedding, Error>] {
        batch.map { input in Result { try embedOne(input) } }
    }

    private func embedOne(_ input: EncoderInput) throws -> FileEmbedding {
        if let reason = health.withLock({ $0.disabled }) { throw EncoderError(reason) }
        let dimension = info.space.dimension
        var vector = [Float](repeating: 0, count: dimension)
        var error = [CChar](repeating: 0, count: Self.errorBufferSize)
        let errorSize = error.count
        let collector = SegmentCollector(dimension: dimension)
        let status: Int32
        if case .file(let url) = input {
            let embedFile = descriptor.pointee.embed_file
            var sink = mms_segment_sink(host_context: Unmanaged.passUnretained(collector).toOpaque(),
                                        add: { sink, start, end, vector in
                guard let context = sink?.pointee.host_context else { return Int32(MMS_ERR_INPUT) }
                return Unmanaged<SegmentCollector>.fromOpaque(context).takeUnretainedValue()
                    .add(start: start, end: end, vector: vector)
            })
            status = withExtendedLifetime(collector) {
                call { embedFile?(descriptor, url.path, &vector, &sink, &error, errorSize) ?? Int32(MMS_ERR_INTERNAL) }
            }
        } else if case .text(let text) = input {
            guard let embedText = descriptor.pointee.embed_text else {
                throw EncoderError("plugin \(info.name) does not embed text")
            }
            status = call { embedText(descriptor, text, &vector, &error, errorSize) }
        } else {
            throw EncoderError("plugin \(info.name) reads files, not decoded media")
        }
        error[errorSize - 1] = 0
        let message = error.withUnsafeBufferPointer { CStrings.message(in: $0) }

        // A segment the host refused is the real reason, whatever the plugin returned after it.
        let segments = try collector.result().mapError { blame("plugin \(info.name): \($0.text)") }.get()
        switch status {
        case Int32(MMS_OK):
            switch VectorCheck.validated(vector, dimension: dimension) {
            case .failure(let reason):
                throw blame("plugin \(info.name): \(reason.text)")
            case .success(let unit):
                health.withLock { $0.consecutiveFailures = 0 }
                return FileEmbedding(vector: unit, parts: segments)
            }
        case Int32(MMS_ERR_INPUT), Int32(MMS_ERR_UNSUPPORTED), Int32(MMS_ERR_HOST):
            throw EncoderError(message.isEmpty ? "plugin \(info.name) failed (status \(status)) without a reason" : message)
        case Int32(MMS_ERR_INTERNAL):
            throw blame("plugin \(info.name) failed: " + (message.isEmpty ? "internal error, no reason given" : message))
        default:
            throw blame("plugin \(info.name) returned unknown status \(status)"
                        + (message.isEmpty ? "" : ": \(message)"))
        }
    }

    /// Runs one call into the plugin, under the lock when it is not thread-safe.
    private func call(_ body: () -> Int32) -> Int32 {
        guard let serial else { return body() }
        serial.lock()
        defer { serial.unlock() }
        return body()
    }

    /// Counts a failure that is the plugin's fault; disables it after too many in a row.
    private func blame(_ reason: String) -> EncoderError {
        health.withLock { health in
            health.consecutiveFailures += 1
            if health.consecutiveFailures >= Self.maxConsecutiveFailures, health.disabled == nil {
                health.disabled = "plugin \(info.name) was disabled for this run after "
                    + "\(health.consecutiveFailures) failures in a row (the last: \(reason))"
            }
        }
        return EncoderError(reason)
    }
}

/// Collects the segments a plugin hands over during one `embed_file` call (the parts of the
/// file under its one vector: a video's frames), checking each.
final class SegmentCollector: @unchecked Sendable {
    private let dimension: Int
    // Guarded by `lock`: a plugin may add segments from several threads of its own.
    private let lock = NSLock()
    private var segments: [FilePart] = []
    private var failure: FailureReason?

    init(dimension: Int) { self.dimension = dimension }

    func add(start: Double, end: Double, vector: UnsafePointer<Float>?) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if failure != nil { return Int32(MMS_ERR_INPUT) }
        let index = segments.count + 1
        guard segments.count < PartCheck.maxParts else {
            failure = FailureReason("more than \(PartCheck.maxParts) segments")
            return Int32(MMS_ERR_INPUT)
        }
        if let problem = PartCheck.timeProblem(start: start, end: end) {
            failure = FailureReason("segment \(index): \(problem)")
            return Int32(MMS_ERR_INPUT)
        }
        guard let vector else {
            failure = FailureReason("segment \(index): vector is NULL")
            return Int32(MMS_ERR_INPUT)
        }
        switch VectorCheck.validated(Array(UnsafeBufferPointer(start: vector, count: dimension)), dimension: dimension) {
        case .success(let unit):
            segments.append(FilePart(index: segments.count, time: TimeSpan(start: start, end: end), vector: unit))
            return Int32(MMS_OK)
        case .failure(let reason):
            failure = FailureReason("segment \(index) at \(PartCheck.seconds(start)): \(reason.text)")
            return Int32(MMS_ERR_INPUT)
        }
    }

    /// The segments, in time order, or the first problem.
    func result() -> Result<[FilePart], FailureReason> {
        lock.lock()
        defer { lock.unlock() }
        if let failure { return .failure(failure) }
        return .success(segments.sorted { ($0.time!.start, $0.time!.end) < ($1.time!.start, $1.time!.end) })
    }
}
