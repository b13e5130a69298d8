import Foundation

/// Path spelling rules shared by the catalog, the scanner and the CLI.
///
/// The catalog stores absolute, standardised paths (no `.`/`..` components, no doubled or
/// trailing slashes) without resolving symbolic links, so a file keeps the name the user
/// reached it by.
public enum FilePaths {
    /// Makes `path` absolute (relative to `directory`) and removes `.`, `..` and empty
    /// components lexically. `~` and `~/…` expand to `home` when given.
    public static func absolute(_ path: String, relativeTo directory: String,
                                home: String? = nil) -> String {
        var path = path
        if let home, path == "~" || path.hasPrefix("~/") {
            path = home + path.dropFirst()
        }
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var parts: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(component)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// How to show `path` to a user standing in `directory`: relative when it lies inside,
    /// absolute otherwise (and always absolute from `/`).
    /// Control characters are escaped (`\n`, `\t`, `\x1b`), so a name with a newline stays
    /// on its line.
    public static func display(_ path: String, from directory: String) -> String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        if directory != "/", path.hasPrefix(prefix), path.count > prefix.count {
            return escaped(String(path.dropFirst(prefix.count)))
        }
        return escaped(path)
    }

    /// `text` with its control characters written as escapes: `\n`, `\r`, `\t`, else `\xNN`
    /// (a backslash stays as it is).
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += String(format: "\\x%02x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// A file name's bytes as text: valid UTF-8 as it is, else each byte that is not part of a
    /// valid sequence as `\xNN` (`caf\xe9.jpg`), so the name can be shown and recorded.
    public static func name(bytes: [UInt8]) -> (text: String, isValid: Bool) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, true) }
        var out = ""
        var i = 0
        while i < bytes.count {
            // The longest valid sequence starting here (UTF-8 sequences are 1 to 4 bytes).
            var matched = false
            for length in stride(from: min(4, bytes.count - i), through: 1, by: -1) {
                if let piece = String(validating: bytes[i..<(i + length)], as: UTF8.self) {
                    out += piece
                    i += length
                    matched = true
                    break
                }
            }
            if !matched {
                out += String(format: "\\x%02x", bytes[i])
                i += 1
            }
        }
        return (out, false)
    }

    /// The lower-cased extension of the last component, without the dot; empty when none.
    /// A leading dot (`.png` as a whole name) is not an extension.
    public static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// Whether `path` is `root` or lies inside it (both absolute and standardised).
    package static func isSameOrInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(descendantPrefix(of: root))
    }

    /// The prefix every path strictly inside directory `root` starts with.
    package static func descendantPrefix(of root: String) -> String {
        root.hasSuffix("/") ? root : root + "/"
    }

    /// The paths strictly inside directory `root` as bounds in byte order, for a range
    /// condition on a sorted column (`path >= from AND path < below`): they sort between
    /// "root/" and "root0" ('0' follows '/' in bytes).
    package static func descendantBounds(of root: String) -> (from: String, below: String) {
        let prefix = descendantPrefix(of: root)
        return (prefix, String(prefix.dropLast()) + "0")
    }
}
