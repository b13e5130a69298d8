import Foundation

/// A folder the host looks for plugin libraries in, and where that folder was named.
public struct PluginDirectory: Sendable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// `--plugin-dir`.
        case option
        /// `$MMSEARCH_PLUGIN_PATH`.
        case environment
        /// `$XDG_DATA_HOME/mmsearch/plugins`.
        case standard
    }

    public let url: URL
    public let source: Source

    public init(url: URL, source: Source) {
        self.url = url
        self.source = source
    }

    /// The plugin libraries directly inside the folder (`*.so`, `*.dylib` on macOS), by name;
    /// or why the folder cannot be read. A missing standard folder is simply empty.
    func libraries() -> Result<[String], PluginLoadFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            if source == .standard { return .success([]) }
            return .failure(PluginLoadFailure(path: url.path, reason: "plugin folder does not exist"))
        }
        guard isDirectory.boolValue else {
            return .failure(PluginLoadFailure(path: url.path, reason: "plugin folder is not a folder"))
        }
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            return .success(names.filter { name in
                !name.hasPrefix(".") && Self.libraryExtensions.contains(FilePaths.fileExtension(name))
            }.sorted().map { url.appendingPathComponent($0).path })
        } catch {
            return .failure(PluginLoadFailure(path: url.path, reason: "plugin folder cannot be read: "
                                              + (error as NSError).localizedDescription))
        }
    }

    #if canImport(Darwin)
    static let libraryExtensions: Set<String> = ["dylib", "so"]
    #else
    static let libraryExtensions: Set<String> = ["so"]
    #endif
}

extension Locations {
    /// The folders plugins are loaded from, in order: `explicit` (`--plugin-dir`, made absolute),
    /// then `$MMSEARCH_PLUGIN_PATH` (colon-separated), then `$XDG_DATA_HOME/mmsearch/plugins`
    /// (default `~/.local/share/mmsearch/plugins`). A folder named twice is searched once.
    public func pluginDirectories(explicit: [String] = []) -> [PluginDirectory] {
        var result: [PluginDirectory] = []
        func add(_ path: String, _ source: PluginDirectory.Source) {
            guard !path.isEmpty else { return }
            let url = URL(fileURLWithPath: absolutePath(path), isDirectory: true)
            if !result.contains(where: { $0.url.path == url.path }) {
                result.append(PluginDirectory(url: url, source: source))
            }
        }
        for path in explicit { add(path, .option) }
        for path in (environment["MMSEARCH_PLUGIN_PATH"] ?? "").split(separator: ":") {
            add(String(path), .environment)
        }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.local/share"
        add(data + "/mmsearch/plugins", .standard)
        return result
    }
}
