import Foundation

/// A data file shipped with a module (word lists, class names, the table of packs): found in
/// the module's resource folder beside the program (`<package>_<module>.resources`, where
/// SwiftPM puts it and where an installation copies it), else in the source tree the program
/// was built from. A missing file is an error that says where it was looked for, never a trap.
public struct PackageResource: Sendable {
    /// The file's name inside the module's `Resources` folder.
    public let name: String
    /// The module that ships it.
    public let module: String
    /// The `Resources` folder in the source tree (from the caller's `#filePath`).
    public let sourceFolder: URL

    /// `name` in `module`'s `Resources` folder; `sourceFile` is the calling file, which lives
    /// in the module's folder or one below it (`folderDepth` levels down).
    public init(_ name: String, module: String, sourceFile: String = #filePath, folderDepth: Int = 0) {
        self.name = name
        self.module = module
        var folder = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
        for _ in 0..<folderDepth { folder.deleteLastPathComponent() }
        sourceFolder = folder.appendingPathComponent("Resources")
    }

    /// Where the file is: beside the program first, then in the source tree.
    public func url() throws -> URL {
        let bundle = "mmsearch_\(module).resources"
        var places: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            places.append(executable.deletingLastPathComponent().appendingPathComponent(bundle).appendingPathComponent(name))
        }
        places.append(Bundle.main.bundleURL.appendingPathComponent(bundle).appendingPathComponent(name))
        places.append(sourceFolder.appendingPathComponent(name))
        if let found = places.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) { return found }
        throw MMSearchError(.fatal, "\(name) is missing: mmsearch looks for it in \(bundle) beside the program "
                            + "and in \(sourceFolder.path); install the \(bundle) folder with the program")
    }

    /// The file's lines that are neither blank nor comments (`#` first), trimmed.
    public func lines() throws -> [String] {
        let url = try url()
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw MMSearchError(.fatal, "\(url.path) cannot be read: \(error.localizedDescription)")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
