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
    public static func display(_ path: String, from directory: String) -> String {
        if directory == "/" { return path }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        if path.hasPrefix(prefix), path.count > prefix.count {
            return String(path.dropFirst(prefix.count))
        }
        return path
    }

    /// The lower-cased extension of the last component, without the dot; empty when none.
    /// A leading dot (`.png` as a whole name) is not an extension.
    public static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// The prefix every path strictly inside directory `root` starts with.
    package static func descendantPrefix(of root: String) -> String {
        root.hasSuffix("/") ? root : root + "/"
    }
}
