import Foundation
@testable import MMSearchKit

/// A photo folder, an index directory and an engine over the hash pack, in a temporary folder.
final class Fixture {
    let temp: TemporaryDirectory
    let counter: CallCounter
    let pack: ModelPack
    let engine: Engine
    var photos: URL { temp.sub("photos") }
    var indexDirectory: URL { temp.sub("index") }

    init(dimension: Int = 24, counter: CallCounter = CallCounter()) throws {
        self.counter = counter
        temp = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: temp.sub("photos"), withIntermediateDirectories: true)
        pack = try testPack(dimension: dimension, counter: counter)
        engine = Engine(pack: pack, indexDirectory: temp.sub("index"))
    }

    /// Writes a file under `photos/`.
    @discardableResult
    func photo(_ name: String, _ content: String, mtime: Date? = nil) throws -> String {
        try temp.write("photos/" + name, content, mtime: mtime)
    }

    /// Indexes `photos/` (or the given roots) and collects the failure events.
    func index(_ roots: [URL]? = nil, options: IndexOptions = IndexOptions(threads: 2),
               cancel: CancellationFlag? = nil,
               onProgress: (IndexProgress) -> Void = { _ in }) throws -> (IndexSummary, [IndexFailure]) {
        var reported: [IndexFailure] = []
        let summary = try engine.index(roots: roots ?? [photos], options: options, cancel: cancel) { event in
            switch event {
            case .progress(let progress): onProgress(progress)
            case .failed(let path, let reason): reported.append(IndexFailure(path: path, reason: reason))
            }
        }
        return (summary, reported)
    }

    /// Searches with the hash vector of `content`: the file with that content scores 1.
    func search(content: String, limit: Int = 100) throws -> [SearchHit] {
        try engine.reader().search(hashVector(Array(content.utf8), dimension: pack.space.dimension),
                                   limit: limit)
    }

    /// Every indexed path, in the order of a search for `content`.
    func indexedPaths() throws -> Set<String> {
        Set(try search(content: "", limit: 10_000).map(\.path))
    }
}
