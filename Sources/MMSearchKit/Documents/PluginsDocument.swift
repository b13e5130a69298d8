import Foundation

/// The stable JSON that `mmsearch plugins --json` prints:
///
///     {"abi_version": 1,
///      "space": {"name": "lite", "dimension": 384, "fingerprint": "…"},
///      "encoders": [{"name": "video-frames", "version": "1.0.0", "modality": "video",
///                    "space": "lite", "dimension": 384, "file_types": ["mkv", "mp4", "webm"],
///                    "origin": "/abs/libmms_video_frames.so", "settings": "interval=1;max_frames=16",
///                    "fingerprint": "…"}],
///      "failed": [{"path": "/abs/broken.so", "reason": "built for plugin ABI version 2, …"}],
///      "plugin_folders": [{"path": "/abs/plugins", "source": "option"}]}
///
/// `origin` is `built-in` or the absolute path of the plugin's library; `source` is `option`
/// (--plugin-dir), `environment` ($MMSEARCH_PLUGIN_PATH) or `standard`. New fields may be
/// added; existing ones keep their names and meaning.
public struct PluginsDocument: Codable, Sendable, Equatable {
    public struct EncoderPart: Codable, Sendable, Equatable {
        public let name: String
        public let version: String
        public let modality: String
        public let space: String
        public let dimension: Int
        public let fileTypes: [String]
        public let origin: String
        public let settings: String
        public let fingerprint: String

        enum CodingKeys: String, CodingKey {
            case name, version, modality, space, dimension
            case fileTypes = "file_types"
            case origin, settings, fingerprint
        }
    }

    public struct FolderPart: Codable, Sendable, Equatable {
        public let path: String
        public let source: PluginDirectory.Source
    }

    public let abiVersion: Int
    public let space: QueryResultsDocument.SpacePart
    public let encoders: [EncoderPart]
    public let failed: [PluginLoadFailure]
    public let pluginFolders: [FolderPart]

    enum CodingKeys: String, CodingKey {
        case abiVersion = "abi_version"
        case space, encoders, failed
        case pluginFolders = "plugin_folders"
    }

    public init(registry: EncoderRegistry, folders: [PluginDirectory]) {
        abiVersion = Int(PluginHostABI.version)
        space = .init(registry.space)
        encoders = registry.encoders.map(\.info).map { info in
            EncoderPart(name: info.name, version: info.version, modality: info.modality.rawValue,
                        space: info.space.name, dimension: info.space.dimension,
                        fileTypes: info.fileExtensions.sorted(), origin: info.origin,
                        settings: info.settings, fingerprint: info.fingerprint)
        }
        failed = registry.failures
        pluginFolders = folders.map { FolderPart(path: $0.url.path, source: $0.source) }
    }
}
