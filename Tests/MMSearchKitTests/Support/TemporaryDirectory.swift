import Foundation
import MMTestSupport

/// A fresh folder under the system's temporary directory, removed when dropped.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mmsearch-tests-\(TestPaths.uniqueSuffix())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `content` to `relative` (creating folders) and returns the file's absolute path.
    @discardableResult
    func write(_ relative: String, _ content: String, mtime: Date? = nil) throws -> String {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try Data(content.utf8).write(to: file)
        if let mtime {
            try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: file.path)
        }
        return file.path
    }

    func sub(_ relative: String) -> URL { url.appendingPathComponent(relative) }
}
