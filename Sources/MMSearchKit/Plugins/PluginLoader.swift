import Foundation
import MMSPluginABI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plugin library that could not be used, and why.
public struct PluginLoadFailure: Error, Sendable, Equatable, Codable {
    /// The library (or folder) the failure is about.
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// Loads one plugin library: `dlopen`, `mms_plugin_entry`, the ABI version, the descriptor.
///
/// Libraries stay mapped until the process ends, also those refused: code of theirs (a
/// constructor, a thread) may still run, and unmapping it would crash the host.
enum PluginLoader {
    /// The name of the one symbol a plugin exports.
    static let entrySymbol = "mms_plugin_entry"

    /// Loads the library at `path` for a host whose services are `pack`'s encoders.
    static func load(library path: String, pack: ModelPack,
                     log: PluginLogHandler?) -> Result<SharedLibraryEncoder, PluginLoadFailure> {
        func fail(_ reason: String) -> Result<SharedLibraryEncoder, PluginLoadFailure> {
            .failure(PluginLoadFailure(path: path, reason: reason))
        }
        _ = dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            return fail("cannot be loaded: " + lastDynamicLinkerError(path: path))
        }
        guard let symbol = dlsym(handle, entrySymbol) else {
            return fail("does not export \(entrySymbol): not an mmsearch plugin")
        }
        let entry = unsafeBitCast(symbol, to: mms_plugin_entry_fn.self)
        let host = PluginHost(pack: pack, label: URL(fileURLWithPath: path).lastPathComponent, log: log)
        guard let descriptor = entry(host.pointer) else {
            let reason = host.lastError.withLock { $0 } ?? "no reason given"
            return fail("\(entrySymbol) refused to load: \(reason)")
        }
        // Only the first field may be read before the versions are known to match.
        let version = descriptor.pointee.abi_version
        guard version == MMS_PLUGIN_ABI_VERSION else {
            return fail("built for plugin ABI version \(version), but this mmsearch speaks version "
                        + "\(MMS_PLUGIN_ABI_VERSION): rebuild it against this mmsearch's mmsearch_plugin.h")
        }
        switch PluginDescriptor.validated(descriptor.pointee, pack: pack) {
        case .failure(let reason):
            descriptor.pointee.destroy?(descriptor)
            return fail(reason.text)
        case .success(let checked):
            host.label.withLock { $0 = checked.name }
            let info = EncoderInfo(name: checked.name, version: checked.version, modality: checked.modality,
                                   space: pack.space, fileExtensions: checked.fileExtensions,
                                   origin: path, settings: checked.settings)
            return .success(SharedLibraryEncoder(info: info, descriptor: descriptor, host: host))
        }
    }

    /// `dlerror()`'s text without the path it repeats.
    private static func lastDynamicLinkerError(path: String) -> String {
        guard let text = dlerror().map({ String(cString: $0) }), !text.isEmpty else { return "unknown error" }
        for prefix in [path + ": ", URL(fileURLWithPath: path).lastPathComponent + ": "] where text.hasPrefix(prefix) {
            return String(text.dropFirst(prefix.count))
        }
        return text
    }
}

/// The plugin ABI this host speaks, for programs that do not import the C header.
public enum PluginHostABI {
    /// `MMS_PLUGIN_ABI_VERSION` of the host's `mmsearch_plugin.h`.
    public static let version = UInt32(MMS_PLUGIN_ABI_VERSION)
}
