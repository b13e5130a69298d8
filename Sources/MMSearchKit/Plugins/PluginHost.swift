import Foundation
import MMMedia
import MMSPluginABI

/// How loud a plugin's log message is (`MMS_LOG_*`).
public enum PluginLogLevel: Int, Sendable, Comparable, CustomStringConvertible {
    case debug = 0, info, warning, error

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }
}

/// Receives what plugins log: the plugin's name (its library's file name until its descriptor
/// is read), the level and the message.
public typealias PluginLogHandler = @Sendable (_ plugin: String, _ level: PluginLogLevel, _ message: String) -> Void

/// The `mms_host` a plugin receives: the host pack's space and the services (log, the pack's
/// own text and image encoders). Lives as long as the plugin it was made for.
final class PluginHost: @unchecked Sendable {
    // The struct and the space name are written once here and only read after; the plugin
    // holds pointers to both until its `destroy` returns, so they are freed only in `deinit`.
    let pointer: UnsafeMutablePointer<mms_host>
    private let spaceName: UnsafeMutablePointer<CChar>
    private let pack: ModelPack
    private let logHandler: PluginLogHandler?
    /// The name messages are logged under: the library's file name, then the plugin's name.
    let label: Locked<String>
    /// The last error the plugin logged, the reason shown when its entry point returns NULL.
    let lastError = Locked<String?>(nil)

    /// Largest image `embed_image_rgb` accepts.
    static let maxImagePixels = 128 * 1024 * 1024

    init(pack: ModelPack, label: String, log: PluginLogHandler?) {
        self.pack = pack
        self.logHandler = log
        self.label = Locked(label)
        spaceName = strdup(pack.space.name) ?? Self.emptyString()
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: mms_host(
            abi_version: MMS_PLUGIN_ABI_VERSION,
            dimension: UInt32(clamping: pack.space.dimension),
            space_name: UnsafePointer(spaceName),
            host_context: nil,
            log: { host, level, message in
                PluginHost.from(host)?.log(level: level, message: message)
            },
            embed_text: { host, text, out, error, errorSize in
                guard let self_ = PluginHost.from(host) else { return Int32(MMS_ERR_HOST) }
                return self_.embedText(text, out: out, error: error, errorSize: errorSize)
            },
            embed_image_rgb: { host, width, height, rgb, out, error, errorSize in
                guard let self_ = PluginHost.from(host) else { return Int32(MMS_ERR_HOST) }
                return self_.embedImage(width: width, height: height, rgb: rgb, out: out,
                                        error: error, errorSize: errorSize)
            }))
        pointer.pointee.host_context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
        free(spaceName)
    }

    private static func emptyString() -> UnsafeMutablePointer<CChar> {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }

    /// The host behind a pointer a plugin passed back.
    private static func from(_ host: UnsafePointer<mms_host>?) -> PluginHost? {
        guard let context = host?.pointee.host_context else { return nil }
        return Unmanaged<PluginHost>.fromOpaque(context).takeUnretainedValue()
    }

    // MARK: Services

    private func log(level: Int32, message: UnsafePointer<CChar>?) {
        // Lossy on purpose: a log line with a bad byte is still worth showing.
        let text = message.map {
            String(decoding: UnsafeRawBufferPointer(start: $0, count: strnlen($0, 64 * 1024)), as: UTF8.self)
        }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let level = PluginLogLevel(rawValue: Int(level)) ?? (level > 3 ? .error : .debug)
        if level == .error { lastError.withLock { $0 = text } }
        logHandler?(label.withLock { $0 }, level, text)
    }

    private func embedText(_ text: UnsafePointer<CChar>?, out: UnsafeMutablePointer<Float>?,
                           error: UnsafeMutablePointer<CChar>?, errorSize: Int) -> Int32 {
        guard let text, let out else {
            return fail("embed_text: text or out_vector is NULL", error, errorSize)
        }
        guard let string = CStrings.read(text, maxBytes: 1 << 20) else {
            return fail("embed_text: the text is not valid UTF-8 or longer than 1 MiB", error, errorSize)
        }
        guard let encoder = pack.encoder(for: .text) else {
            return fail("the host's pack '\(pack.name)' has no text encoder", error, errorSize)
        }
        return run(encoder, .text(string), out: out, error: error, errorSize: errorSize)
    }

    private func embedImage(width: UInt32, height: UInt32, rgb: UnsafePointer<UInt8>?,
                            out: UnsafeMutablePointer<Float>?,
                            error: UnsafeMutablePointer<CChar>?, errorSize: Int) -> Int32 {
        guard let rgb, let out else {
            return fail("embed_image_rgb: rgb or out_vector is NULL", error, errorSize)
        }
        let (w, h) = (Int(width), Int(height))
        guard w > 0, h > 0 else {
            return fail("embed_image_rgb: image of \(w)x\(h) pixels is empty", error, errorSize)
        }
        guard w * h <= Self.maxImagePixels else {
            return fail("embed_image_rgb: image of \(w)x\(h) pixels is larger than the host accepts "
                        + "(\(Self.maxImagePixels / (1024 * 1024)) MP)", error, errorSize)
        }
        guard let encoder = pack.encoder(for: .image) else {
            return fail("the host's pack '\(pack.name)' has no image encoder", error, errorSize)
        }
        let image = RGBImage(width: w, height: h, pixels: Array(UnsafeBufferPointer(start: rgb, count: w * h * 3)))
        return run(encoder, .image(image), out: out, error: error, errorSize: errorSize)
    }

    /// Embeds with one of the pack's encoders and copies the checked vector out.
    private func run(_ encoder: any Encoder, _ input: EncoderInput, out: UnsafeMutablePointer<Float>,
                     error: UnsafeMutablePointer<CChar>?, errorSize: Int) -> Int32 {
        let vector: [Float]
        do {
            vector = try encoder.embed(input)
        } catch let failure {
            return fail(EmbeddingWorkers.failureText(failure, path: ""), error, errorSize)
        }
        switch VectorCheck.validated(vector, dimension: pack.space.dimension) {
        case .success(let unit):
            unit.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { out.update(from: base, count: unit.count) }
            }
            return Int32(MMS_OK)
        case .failure(let reason):
            return fail("host encoder \(encoder.info.name): \(reason.text)", error, errorSize)
        }
    }

    private func fail(_ message: String, _ error: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
        CStrings.write(message, to: error, size: size)
        return Int32(MMS_ERR_HOST)
    }
}
