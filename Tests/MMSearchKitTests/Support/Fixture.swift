import Foundation
import MMTestSupport
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// A photo folder, an index (embedded in a temporary folder, or in a new PostgreSQL database)
/// and an engine over the hash pack.
final class Fixture {
    let temp: TemporaryDirectory
    let counter: CallCounter
    let pack: ModelPack
    let engine: Engine
    var photos: URL { temp.sub("photos") }
    var indexDirectory: URL { temp.sub("index") }

    /// The index, in the store the fixture was made with.
    var index: Index { engine.index }

    init(dimension: Int = 24, counter: CallCounter = CallCounter(), chunking: TextChunking? = nil,
         store: TestStore = .embedded) throws {
        self.counter = counter
        temp = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: temp.sub("photos"), withIntermediateDirectories: true)
        pack = try testPack(dimension: dimension, counter: counter, chunking: chunking)
        engine = Engine(pack: pack, index: try store.newIndex(folder: temp.sub("index")))
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

    /// How many files the image encoder embedded (text chunks not counted).
    var imageEmbeds: Int { counter.names.filter { !$0.hasPrefix("text: ") }.count }

    /// The catalog of the index, opened for reading.
    func catalog() throws -> Catalog { try StoreInternals(indexDirectory).catalog }

    /// Checks the row invariant: every committed row belongs to one `ok` file or one tombstone.
    func rowsAddUp() throws -> Bool {
        try catalog().read { db in
            let committed = try Int.fetchOne(db, sql: "SELECT SUM(row_count) FROM space") ?? 0
            let dead = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(row_count), 0) FROM tombstone") ?? 0
            let owned = try Int.fetchOne(db, sql: """
                SELECT COALESCE(SUM(vector_count), 0) FROM file WHERE status = 'ok' AND vector_row IS NOT NULL
                """) ?? 0
            return committed == dead + owned
        }
    }

    /// Every indexed path, in the order of a search for `content`.
    func indexedPaths() throws -> Set<String> {
        Set(try search(content: "", limit: 10_000).map(\.path))
    }
}
