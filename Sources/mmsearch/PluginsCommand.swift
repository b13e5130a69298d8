import ArgumentParser
import Foundation
import MMBuiltins
import MMSearchKit

/// `mmsearch plugins`
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List every encoder (built in and plugins) and the plugins that did not load.",
        discussion: """
            Plugins are shared libraries (*.so) built against Plugins/ABI/include/\
            mmsearch_plugin.h, loaded from each --plugin-dir, then each folder of \
            $MMSEARCH_PLUGIN_PATH, then $XDG_DATA_HOME/mmsearch/plugins. A plugin that \
            cannot be loaded (another ABI version, a bad descriptor, a clash with another \
            encoder) is listed with the reason and never stops mmsearch.

            --json prints one object:
              {"abi_version": N, "space": {"name", "dimension", "fingerprint"},
               "encoders": [{"name", "version", "modality", "space", "dimension",
                             "file_types": [...], "origin": "built-in"|LIBRARY-PATH,
                             "settings", "fingerprint"}, …],
               "failed": [{"path", "reason"}, …],
               "plugin_folders": [{"path", "source": "option"|"environment"|"standard"}, …]}

            EXAMPLES
              mmsearch plugins
              mmsearch plugins --plugin-dir ./build/plugins --json | jq '.failed'
            """)

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @OptionGroup var model: ModelOptions

    func run() throws {
        let locations = Locations.current()
        let registry = try model.loadRegistry(locations, index: BuiltinStores.index(at: locations.indexDirectory()))
        let folders = PackLoader(locations: locations).pluginFolders(model.request(locations))
        if json {
            print(try JSONOutput.encode(PluginsDocument(registry: registry, folders: folders)))
            return
        }
        for line in PluginTable.lines(registry: registry, folders: folders) { print(line) }
    }
}

/// The plain listing of `mmsearch plugins`.
enum PluginTable {
    static func lines(registry: EncoderRegistry, folders: [PluginDirectory]) -> [String] {
        let header = ["NAME", "VERSION", "MODALITY", "SPACE", "DIM", "FILE TYPES", "ORIGIN"]
        let rows = registry.encoders.map(\.info).map { info in
            [info.name, info.version, info.modality.rawValue, info.space.name, String(info.space.dimension),
             info.fileExtensions.isEmpty ? "-" : info.fileExtensions.sorted().joined(separator: ","), info.origin]
        }
        var lines = TextTable.lines(header: header, rows: rows)
        if !registry.failures.isEmpty || !registry.pack.unavailable.isEmpty {
            lines.append("")
            lines.append("not loaded:")
            lines += registry.pack.unavailable.map { "  \($0.name) (\($0.modality), built-in): \($0.reason)" }
            lines += registry.failures.map { "  \($0.path): \($0.reason)" }
        }
        lines.append("")
        lines.append("plugin folders (plugin ABI version \(PluginHostABI.version)):")
        lines += folders.map { folder in
            let exists = FileManager.default.fileExists(atPath: folder.url.path)
            return "  \(folder.url.path) (\(label(folder.source))\(exists ? "" : ", missing"))"
        }
        return lines
    }

    private static func label(_ source: PluginDirectory.Source) -> String {
        switch source {
        case .option: "--plugin-dir"
        case .environment: "$MMSEARCH_PLUGIN_PATH"
        case .standard: "standard"
        }
    }
}
