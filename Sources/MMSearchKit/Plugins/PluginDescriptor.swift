import Foundation
import MMSPluginABI

/// The checked, Swift copy of a plugin's `mms_plugin` descriptor.
struct PluginDescriptor: Sendable, Equatable {
    let name: String
    let version: String
    let modality: Modality
    let fileExtensions: [String]
    let settings: String
    let threadSafe: Bool

    static let maxExtensions = 64

    /// Reads and checks `d` for a host whose pack is `pack`; the error says what is wrong in
    /// words a plugin author can act on.
    static func validated(_ d: mms_plugin, pack: ModelPack) -> Result<PluginDescriptor, FailureReason> {
        func fail(_ text: String) -> Result<PluginDescriptor, FailureReason> { .failure(FailureReason(text)) }

        guard let name = CStrings.read(d.name, maxBytes: 64), !name.isEmpty,
              name.unicodeScalars.allSatisfy({ isNameCharacter($0) }) else {
            return fail("its name is missing or not 1-64 letters, digits, '-', '_', '.' or '+'")
        }
        guard let version = CStrings.read(d.version, maxBytes: 64), !version.isEmpty,
              version.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return fail("plugin \(name): its version is missing or not 1-64 printable characters without spaces")
        }
        guard let modality = CStrings.read(d.modality, maxBytes: 32), !modality.isEmpty,
              modality.unicodeScalars.allSatisfy({ isLowerIdentifier($0) || $0 == "-" || $0 == "_" }) else {
            return fail("plugin \(name): its modality is missing or not 1-32 lower-case letters, digits, '-' or '_'")
        }
        let space = CStrings.read(d.space, maxBytes: 256) ?? ""
        guard space == MMS_SPACE_HOST || space == pack.space.name else {
            return fail("plugin \(name) writes into space '\(space)', but this host's pack is "
                        + "'\(pack.space.name)' (declare \"\(MMS_SPACE_HOST)\" to use the host's space)")
        }
        guard d.dimension > 0, Int(d.dimension) == pack.space.dimension else {
            return fail("plugin \(name) declares dimension \(d.dimension), but the host's space "
                        + "\(pack.space.name) is \(pack.space.dimension)-d")
        }
        guard let list = d.extensions else {
            return fail("plugin \(name) lists no file extensions (extensions is NULL)")
        }
        var extensions: [String] = []
        var index = 0
        while let entry = list[index] {
            guard index < maxExtensions else {
                return fail("plugin \(name) lists more than \(maxExtensions) file extensions "
                            + "(or its list is not NULL-terminated)")
            }
            guard let ext = CStrings.read(entry, maxBytes: 16), !ext.isEmpty,
                  ext.unicodeScalars.allSatisfy(isLowerIdentifier) else {
                return fail("plugin \(name): file extension \(index + 1) is not 1-16 lower-case "
                            + "letters or digits without the dot")
            }
            guard !extensions.contains(ext) else {
                return fail("plugin \(name) lists .\(ext) twice")
            }
            extensions.append(ext)
            index += 1
        }
        guard !extensions.isEmpty else {
            return fail("plugin \(name) lists no file extensions")
        }
        guard d.embed_file != nil else {
            return fail("plugin \(name) has no embed_file function")
        }
        let settings: String
        if d.settings == nil {
            settings = ""
        } else if let text = CStrings.read(d.settings, maxBytes: 1024) {
            settings = text
        } else {
            return fail("plugin \(name): its settings are longer than 1024 bytes or not UTF-8")
        }
        return .success(PluginDescriptor(name: name, version: version, modality: Modality(modality),
                                         fileExtensions: extensions, settings: settings,
                                         threadSafe: d.flags & MMS_PLUGIN_THREAD_SAFE != 0))
    }

    private static func isLowerIdentifier(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("0"..."9").contains(c)
    }

    private static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        isLowerIdentifier(c) || ("A"..."Z").contains(c) || "-_.+".unicodeScalars.contains(c)
    }
}
