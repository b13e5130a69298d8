import Foundation
import MMTestSupport

/// A library to serve, indexed once for the suites: the photos of `Media/`, three text notes
/// and a spoken recording (text and audio hits have parts), in a scratch folder.
enum ServedLibrary {
    struct Library: Sendable {
        let root: URL
        let index: URL
    }

    private static let made = Swift.Result<Library, Error>(catching: make)

    private static func make() throws -> Library {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mmsearch-served-\(TestPaths.uniqueSuffix())")
        let root = scratch.appendingPathComponent("library")
        let index = scratch.appendingPathComponent("index")
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("notes"), withIntermediateDirectories: true)
        let media = TestPaths.repository.appendingPathComponent("Media")
        for name in try manager.contentsOfDirectory(atPath: media.path) where ["jpg", "png"].contains((name as NSString).pathExtension) {
            try manager.copyItem(at: media.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
        for name in ["kitchen-notes.txt", "safari-diary.md", "travel-plans.md"] {
            try manager.copyItem(at: TestPaths.fixture("notes/\(name)"), to: root.appendingPathComponent("notes/\(name)"))
        }
        try manager.copyItem(at: TestPaths.fixture("speech/espeak/weather.wav"), to: root.appendingPathComponent("weather.wav"))
        let run = try CommandLineTool.run(["index", root.path, "--index", index.path])
        guard run.status == 0 else { throw SetupError("indexing the served library failed: \(run.stderr)") }
        return Library(root: root, index: index)
    }

    static func library() throws -> Library { try made.get() }
}
