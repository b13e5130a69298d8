import Foundation
import GRDB
import MMTestSupport
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit
@testable import mmsearch

/// An image encoder that takes its time over each file, so a test can query while an index run
/// into its space is under way.
struct SlowImageEncoder: Encoder {
    let inner: HashImageEncoder
    let delay: TimeInterval
    var info: EncoderInfo { inner.info }

    func embed(_ input: EncoderInput) throws -> [Float] {
        Thread.sleep(forTimeInterval: delay)
        return try inner.embed(input)
    }
}

/// Model changes without downtime: an index holds a space per pack, a new one is built beside
/// the old (which keeps answering), `use` switches queries to it in one write and `drop` frees
/// the old one. A query never mixes spaces.
@Suite struct SpacesTests {
    static func otherPack(delay: TimeInterval = 0, counter: CallCounter = CallCounter()) throws -> ModelPack {
        let space = SpaceID(name: "other", dimension: 32, fingerprint: "beef")
        let image = HashImageEncoder(space: space, counter: counter)
        return try ModelPack(name: "other", space: space,
                             encoders: [HashTextEncoder(space: space),
                                        delay > 0 ? SlowImageEncoder(inner: image, delay: delay) as any Encoder : image])
    }

    @Test(arguments: TestStore.allCases)
    func aSecondSpaceIsBuiltBesideTheFirstSwitchedToAndTheOldOneDropped(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<6 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let other = Engine(pack: try Self.otherPack(), index: f.index)
        // Without asking, another pack's run is refused: the guard stays.
        #expect(throws: MMSearchError.self) { try other.index(roots: [f.photos]) }
        #expect(try f.index.spaces().count == 1)

        var beside = IndexOptions(threads: 2)
        beside.besideOtherSpaces = true
        let summary = try other.index(roots: [f.photos], options: beside)
        #expect(summary.indexed == 6)
        let spaces = try f.index.spaces()
        #expect(spaces.map(\.name) == ["test", "other"])
        // Queries still use the first space; each pack reads its own.
        #expect(try f.index.activeSpace()?.name == "test")
        #expect(f.index.packName() == "test")
        #expect(try f.search(content: "photo 3").first?.path.hasSuffix("/p3.jpg") == true)
        let found = try other.reader().search(hashVector(Array("photo 3".utf8), dimension: 32), limit: 1)
        #expect(found.first?.path.hasSuffix("/p3.jpg") == true && abs((found.first?.score ?? 0) - 1) < 1e-5)
        // A reader of one space never sees the other's rows.
        #expect(try f.engine.reader().search(hashVector(Array("photo 3".utf8), dimension: 24), limit: 100).count == 6)
        #expect(throws: MMSearchError.self) {
            try f.engine.reader().search(hashVector(Array("photo 3".utf8), dimension: 32), limit: 1)
        }

        // Tools over the stored vectors look at the space queries use.
        #expect(try f.index.duplicates(threshold: 0.99).files == 6)
        let list = try f.index.spaceList()
        #expect(list.map(\.active) == [true, false])
        #expect(list.map(\.counts.ok) == [6, 6])
        #expect(try f.index.space(named: "other").spaceID == other.pack.space)
        #expect(try f.index.space(named: "other@be").spaceID == other.pack.space)
        #expect(throws: MMSearchError.self) { try f.index.space(named: "nosuch") }
        #expect(throws: MMSearchError.self) { try f.index.space(named: "other@00") }

        // The active space cannot be dropped while another remains.
        #expect(throws: MMSearchError.self) { try f.index.drop(spaces[0]) }
        try f.index.use(spaces[1])
        #expect(f.index.packName() == "other")
        #expect(try f.index.activeSpace()?.spaceID == other.pack.space)
        // The guard now names the active space.
        do {
            _ = try f.index.space(matching: SpaceID(name: "third", dimension: 8, fingerprint: "0"))
            Issue.record("a third space was accepted")
        } catch let error as MMSearchError {
            #expect(error.message.contains("other"))
        }
        try f.index.drop(spaces[0])
        #expect(try f.index.spaces().map(\.name) == ["other"])
        if store == .embedded {
            let names = try FileManager.default.contentsOfDirectory(atPath: f.indexDirectory.appendingPathComponent("vectors").path)
            #expect(!names.contains { $0.hasPrefix("test-24-") } && names.contains { $0.hasPrefix("other-32-") }, "\(names)")
        }
        #expect(try other.reader().count() == 6)
        #expect(throws: MMSearchError.self) { try f.engine.reader() }
        // A dropped space's files are gone with it: building it again embeds every file.
        let embedded = f.imageEmbeds
        var again = IndexOptions(threads: 2)
        again.besideOtherSpaces = true
        #expect(try f.engine.index(roots: [f.photos], options: again).indexed == 6)
        #expect(f.imageEmbeds == embedded + 6)
    }

    @Test(arguments: [TestStore.embedded, .postgres])
    func queriesKeepAnsweringWhileTheNewSpaceIsBuiltAndTheSwitchIsAtomic(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<40 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let slow = Engine(pack: try Self.otherPack(delay: 0.02), index: f.index)
        let (photos, index) = (f.photos, f.index)
        let done = Locked(false)
        let outcome = Locked<Result<IndexSummary, Error>?>(nil)
        let thread = Thread {
            var options = IndexOptions(threads: 1, batchSize: 2, commitEvery: 4)
            options.besideOtherSpaces = true
            outcome.withLock { $0 = Result { try slow.index(roots: [photos], options: options) } }
            done.withLock { $0 = true }
        }
        thread.start()
        // Meanwhile: every query of the old space gets its whole answer; the new space grows.
        var queries = 0, growth: [Int] = []
        let query = hashVector(Array("photo 7".utf8), dimension: 24)
        while !done.withLock({ $0 }) {
            let hits = try f.engine.reader().search(query, limit: 100)
            #expect(hits.count == 40 && hits.first?.path.hasSuffix("/p7.jpg") == true)
            queries += 1
            if let space = try f.index.spaces().first(where: { $0.name == "other" }) {
                growth.append(try f.index.store.counts(of: space).ok)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(try outcome.withLock { $0 }?.get().indexed == 40)
        #expect(queries >= 5, "queries during the build: \(queries)")
        #expect(growth.contains { $0 > 0 && $0 < 40 }, "the new space was seen part-built: \(growth)")
        #expect(growth == growth.sorted())

        // The switch, while queries run: each answer is wholly of one space, never an error.
        let spaces = try f.index.spaces()
        let answers = Locked<[String]>([])
        let stop = Locked(false)
        let querying = Thread {
            while !stop.withLock({ $0 }) {
                let answer: String
                do {
                    guard let active = try index.activeSpace() else { throw MMSearchError(.fatal, "no active space") }
                    let hits = try IndexReader(index.store.reader(for: active))
                        .search(hashVector(Array("photo 7".utf8), dimension: active.dimension), limit: 100)
                    answer = "\(active.name) \(hits.count) \(hits.first.map { ($0.path as NSString).lastPathComponent } ?? "-")"
                } catch {
                    answer = "error \(error)"
                }
                answers.withLock { $0.append(answer) }
            }
        }
        querying.start()
        Thread.sleep(forTimeInterval: 0.05)
        try f.index.use(spaces[1])
        Thread.sleep(forTimeInterval: 0.05)
        stop.withLock { $0 = true }
        while !answers.withLock({ $0.last?.hasPrefix("other") ?? false }) { Thread.sleep(forTimeInterval: 0.01) }
        let seen = answers.withLock { $0 }
        #expect(Set(seen) == ["test 40 p7.jpg", "other 40 p7.jpg"], "\(Set(seen))")
        // Once switched, never back.
        let firstOther = try #require(seen.firstIndex { $0.hasPrefix("other") })
        #expect(seen[firstOther...].allSatisfy { $0.hasPrefix("other") })
    }

    @Test func theCommandLineListsSwitchesAndDropsSpaces() throws {
        let f = try Fixture()
        for i in 0..<3 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        var beside = IndexOptions(threads: 2)
        beside.besideOtherSpaces = true
        _ = try Engine(pack: try Self.otherPack(), index: f.index).index(roots: [f.photos.appendingPathComponent("p0.jpg")],
                                                                        options: beside)
        // Each space has its own precision; an index of one space kept it under the index-wide key.
        #expect(f.index.precision(ofPack: "test") == .f32 && f.index.precision(ofPack: "other") == .f32)
        let queue = try DatabaseQueue(path: f.indexDirectory.appendingPathComponent("catalog.sqlite").path)
        try queue.write { db in
            try db.execute(sql: "DELETE FROM meta WHERE key = 'setting.precision.test'")
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('setting.precision', 'int8')")
        }
        try queue.close()
        #expect(f.index.precision(ofPack: "test") == .int8 && f.index.precision(ofPack: "other") == .f32)
        let statuses = try f.index.spaceList()
        let document = try JSONOutput.encode(SpacesDocument(spaces: statuses.map { SpacesDocument.Space($0, of: 3) }))
        #expect(document.contains(#""active":true"#) && document.contains(#""files":1"#) && document.contains(#""of":3"#))
        #expect(try SpacesCommand.parseAsRoot(["use", "other", "--index", f.indexDirectory.path]) is SpacesUseCommand)
        #expect(try SpacesCommand.parseAsRoot(["--index", f.indexDirectory.path]) is SpacesListCommand)
        var use = try SpacesUseCommand.parse(["other", "--index", f.indexDirectory.path])
        try use.run()
        #expect(f.index.packName() == "other")
        var drop = try SpacesDropCommand.parse(["test", "--index", f.indexDirectory.path])
        try drop.run()
        #expect(try f.index.spaces().map(\.name) == ["other"])
    }
}
