import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Queries while another engine (as another process would: its own catalog connections, its
/// own mappings) is indexing into the same directory.
@Suite struct ConcurrencyTests {
    /// What a reader saw once: how many hits, and whether every hit's score was the dot
    /// product of the query with the vector of that path's content.
    struct Observation: Sendable {
        let hits: Int
        let consistent: Bool
    }

    static func content(of path: String) -> String {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return "photo " + name.dropFirst()
    }

    static func observe(_ reader: IndexReader, query: [Float]) throws -> Observation {
        let hits = try reader.search(query, limit: 1_000)
        let consistent = hits.allSatisfy { hit in
            let vector = hashVector(Array(content(of: hit.path).utf8), dimension: query.count)
            let dot = zip(query, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            return abs(dot - hit.score) < 1e-5
        }
        return Observation(hits: hits.count, consistent: consistent)
    }

    @Test func aReaderSeesCommittedRowsAndNeverTornStateWhileAnotherEngineIndexes() throws {
        let temp = try TemporaryDirectory()
        let photos = temp.sub("photos")
        try temp.write("photos/p0.jpg", "photo 0")
        let indexDirectory = temp.sub("index")
        let seedPack = try testPack()
        _ = try Engine(pack: seedPack, indexDirectory: indexDirectory).index(roots: [photos])
        for i in 1..<60 { try temp.write("photos/p\(i).jpg", "photo \(i)") }

        let space = seedPack.space
        let query = hashVector(Array("any query".utf8), dimension: space.dimension)
        let longLived = try Index.embedded(at: indexDirectory).reader(for: space)
        let seen = Locked<[Observation]>([])
        let errors = Locked<[String]>([])
        // Every embedding call of the writer first lets both readers look.
        let counter = CallCounter { _ in
            do {
                let fresh = try Index.embedded(at: indexDirectory).reader(for: space)
                let a = try Self.observe(longLived, query: query)
                let b = try Self.observe(fresh, query: query)
                seen.withLock { $0 += [a, b] }
            } catch {
                errors.withLock { $0.append(String(describing: error)) }
            }
        }
        let writer = Engine(pack: try testPack(counter: counter), indexDirectory: indexDirectory)
        let summary = try writer.index(roots: [photos], options: IndexOptions(threads: 2, batchSize: 1, commitEvery: 4,
                                                                              commitInterval: 1_000))
        #expect(summary.indexed == 59)

        let observations = seen.withLock { $0 }
        let failures = errors.withLock { $0 }
        #expect(failures.isEmpty)
        #expect(observations.count == 2 * 59)
        let consistent = observations.allSatisfy { $0.consistent }
        #expect(consistent, "a hit whose vector is not its file's")
        // Commits of 4 files: readers saw whole commits only, and more and more of them.
        let whole = observations.allSatisfy { ($0.hits - 1) % 4 == 0 || $0.hits == 60 }
        #expect(whole)
        let counts = observations.map(\.hits)
        #expect(counts.first == 1)
        #expect(counts.max() ?? 0 > 1)
        #expect(try Self.observe(longLived, query: query).hits == 60)
    }

    @Test func aReaderKeepsWorkingThroughDeletionsAndCompaction() throws {
        let f = try Fixture()
        for i in 0..<20 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let reader = try f.engine.reader()
        let query = hashVector(Array("q".utf8), dimension: 24)
        #expect(try Self.observe(reader, query: query).hits == 20)
        for i in 0..<7 { try FileManager.default.removeItem(atPath: f.photos.path + "/p\(i).jpg") }
        _ = try f.index()
        let afterDelete = try Self.observe(reader, query: query)
        #expect(afterDelete.hits == 13 && afterDelete.consistent)
        _ = try f.engine.index.compact()
        let afterCompact = try Self.observe(reader, query: query)
        #expect(afterCompact.hits == 13 && afterCompact.consistent)
    }
}
