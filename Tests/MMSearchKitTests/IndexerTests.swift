import Foundation
import Testing
import MMTestSupport
@testable import MMEmbeddedStore
@testable import MMSearchKit

@Suite struct IndexerTests {
    @Test(arguments: TestStore.allCases) func indexingEmbedsEveryReadableFileAndFindsItByContent(store: TestStore) throws {
        let f = try Fixture(store: store)
        let dog = try f.photo("dog.jpg", "a dog")
        try f.photo("cat.png", "a cat")
        try f.photo("sub/deeper/car.JPEG", "a car")
        let (summary, failures) = try f.index()
        #expect(summary.indexed == 3)
        #expect(summary.failed == 0 && failures.isEmpty)
        #expect(f.counter.count == 3)
        let hits = try f.search(content: "a dog")
        #expect(hits.first?.path == dog)
        #expect(abs((hits.first?.score ?? 0) - 1) < 1e-5)
        #expect(hits.first?.modality == .image)
        #expect(try f.indexedPaths().count == 3)
    }

    @Test(arguments: TestStore.allCases) func reindexingAnUnchangedFolderEmbedsNothing(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<5 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        #expect(f.counter.count == 5)
        let (again, _) = try f.index()
        #expect(f.counter.count == 5)
        #expect(again.indexed == 0)
        #expect(again.unchanged == 5)
        #expect(again.description.hasPrefix("indexed 0, unchanged 5, failed 0 ("))
    }

    @Test(arguments: TestStore.allCases) func aChangedFileIsReembeddedAndOnlyIt(store: TestStore) throws {
        let f = try Fixture(store: store)
        let a = try f.photo("a.jpg", "first version")
        try f.photo("b.jpg", "other")
        _ = try f.index()
        try f.photo("a.jpg", "second, longer version", mtime: Date().addingTimeInterval(60))
        let (summary, _) = try f.index()
        #expect(summary.indexed == 1)
        #expect(summary.unchanged == 1)
        #expect(f.counter.names.filter { $0 == a }.count == 2)
        #expect(try f.search(content: "second, longer version").first?.path == a)
        let old = try f.search(content: "first version").first
        #expect(old.map { $0.score < 0.99 } ?? true, "the old vector of a.jpg is no longer searched")
    }

    @Test(arguments: TestStore.allCases) func aFileWithTheSameSizeButANewMtimeIsReembedded(store: TestStore) throws {
        let f = try Fixture(store: store)
        let a = try f.photo("a.jpg", "aaaa", mtime: Date(timeIntervalSince1970: 1_000_000))
        _ = try f.index()
        try f.photo("a.jpg", "bbbb", mtime: Date(timeIntervalSince1970: 2_000_000))
        let (summary, _) = try f.index()
        #expect(summary.indexed == 1)
        #expect(try f.search(content: "bbbb").first?.path == a)
    }

    @Test(arguments: TestStore.allCases) func aDeletedFileLeavesTheIndexAndTheResults(store: TestStore) throws {
        let f = try Fixture(store: store)
        let gone = try f.photo("gone.jpg", "gone")
        let kept = try f.photo("kept.jpg", "kept")
        _ = try f.index()
        try FileManager.default.removeItem(atPath: gone)
        let (summary, _) = try f.index()
        #expect(summary.removed == 1)
        #expect(summary.unchanged == 1)
        #expect(try f.indexedPaths() == [kept])
        #expect(try f.search(content: "gone").contains { $0.path == gone } == false)
    }

    @Test(arguments: TestStore.allCases) func indexingOneFolderDoesNotForgetAnotherFolder(store: TestStore) throws {
        let f = try Fixture(store: store)
        let a = try f.photo("a/x.jpg", "x")
        let b = try f.photo("b/y.jpg", "y")
        _ = try f.index([f.photos.appendingPathComponent("a")])
        let (summary, _) = try f.index([f.photos.appendingPathComponent("b")])
        #expect(summary.removed == 0)
        #expect(try f.indexedPaths() == [a, b])
    }

    @Test(arguments: TestStore.allCases) func failuresAreReportedOnceRecordedAndListedWhileGoodFilesAreIndexed(store: TestStore) throws {
        let f = try Fixture(store: store)
        let good = try f.photo("good.jpg", "fine")
        let bad1 = try f.photo("bad1.jpg", "this is bad")
        let bad2 = try f.photo("sub/bad2.png", "bad too")
        let (summary, reported) = try f.index()
        #expect(summary.indexed == 1)
        #expect(summary.failed == 2)
        #expect(reported.map(\.path).sorted() == [bad1, bad2].sorted())
        // The encoder's message starts with the path; it is not repeated in the reason.
        #expect(reported.allSatisfy { $0.reason == "not an image (contains bad bytes)" })
        let listed = try f.engine.index.failures()
        #expect(listed.map(\.path) == [bad1, bad2].sorted())
        #expect(listed.allSatisfy { $0.status == .failed && $0.vectorRow == nil
                                    && $0.error == "not an image (contains bad bytes)" })
        #expect(try f.indexedPaths() == [good])
    }

    @Test(arguments: TestStore.allCases) func aLaterFailureDoesNotLoseAGoodVector(store: TestStore) throws {
        let f = try Fixture(store: store)
        let good = try f.photo("good.jpg", "fine")
        _ = try f.index()
        try f.photo("later.jpg", "bad news")
        let (summary, _) = try f.index()
        #expect(summary.failed == 1)
        #expect(try f.search(content: "fine").first?.path == good)
    }

    @Test(arguments: TestStore.allCases) func aFailedFileIsRetriedAndIndexedOnceFixed(store: TestStore) throws {
        let f = try Fixture(store: store)
        let file = try f.photo("x.jpg", "bad")
        _ = try f.index()
        _ = try f.index()
        #expect(f.counter.count == 2, "a failed file is tried again even if unchanged")
        try f.photo("x.jpg", "repaired", mtime: Date().addingTimeInterval(10))
        let (summary, _) = try f.index()
        #expect(summary.indexed == 1 && summary.failed == 0)
        #expect(try f.engine.index.failures().isEmpty)
        #expect(try f.search(content: "repaired").first?.path == file)
    }

    @Test func hiddenFilesOtherTypesAndTheIndexItselfAreSkipped() throws {
        let f = try Fixture()
        let upper = try f.photo("UPPER.JPG", "upper case extension")
        try f.photo(".hidden.jpg", "hidden file")
        try f.photo(".cache/inside.jpg", "hidden folder")
        try f.photo("anim.gif", "not a type the pack reads")
        try f.photo("noext", "no extension")
        // An index that lives inside the indexed folder must not index itself.
        let engine = Engine(pack: f.pack, indexDirectory: f.photos.appendingPathComponent("idx"))
        try f.temp.write("photos/idx/trap.jpg", "inside the index directory")
        let summary = try engine.index(roots: [f.photos], options: IndexOptions(threads: 1))
        #expect(summary.indexed == 1)
        #expect(f.counter.names == [upper])
    }

    @Test(arguments: TestStore.allCases) func symlinkLoopsAreSurvivedAndLinksToFilesAreFollowed(store: TestStore) throws {
        let f = try Fixture(store: store)
        try f.photo("a/one.jpg", "one")
        try f.temp.write("elsewhere/real.png", "real")
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: f.photos.path + "/a/loop", withDestinationPath: f.photos.path)
        try fm.createSymbolicLink(atPath: f.photos.path + "/a/self", withDestinationPath: ".")
        try fm.createSymbolicLink(atPath: f.photos.path + "/link.png",
                                  withDestinationPath: f.temp.path + "/elsewhere/real.png")
        try fm.createSymbolicLink(atPath: f.photos.path + "/dangling.jpg",
                                  withDestinationPath: f.temp.path + "/nowhere.jpg")
        let (summary, failures) = try f.index()
        #expect(summary.indexed == 2)
        // Loops are walked once, without a word; a link to nothing is named with its reason.
        #expect(failures.map(\.path) == [f.photos.path + "/dangling.jpg"])
        #expect(failures.first?.reason.hasPrefix("a dangling symbolic link") == true)
        #expect(try f.indexedPaths() == [f.photos.path + "/a/one.jpg", f.photos.path + "/link.png"])
    }

    @Test(arguments: TestStore.allCases) func aSingleFileCanBeIndexedAsARoot(store: TestStore) throws {
        let f = try Fixture(store: store)
        let one = try f.photo("one.jpg", "one")
        try f.photo("two.jpg", "two")
        let (summary, _) = try f.index([URL(fileURLWithPath: one)])
        #expect(summary.indexed == 1)
        #expect(try f.indexedPaths() == [one])
    }

    @Test(arguments: TestStore.allCases) func aMissingRootIsReportedAndWhatItHadIsKept(store: TestStore) throws {
        let f = try Fixture(store: store)
        let moved = try f.photo("disk/x.jpg", "x")
        let disk = f.photos.appendingPathComponent("disk")
        _ = try f.index([disk])
        try FileManager.default.moveItem(at: disk, to: f.temp.sub("unmounted"))
        let (summary, failures) = try f.index([disk])
        #expect(summary.failed == 1)
        #expect(failures.first?.path == disk.path)
        #expect(failures.first?.reason.contains("No such file") == true)
        #expect(summary.removed == 0)
        #expect(try f.indexedPaths() == [moved])
    }

    @Test func manyThreadsAndOneThreadStoreTheSameVectors() throws {
        let one = try Fixture()
        let many = try Fixture()
        for i in 0..<40 {
            try one.photo("p\(i).jpg", "photo number \(i)")
            try many.photo("p\(i).jpg", "photo number \(i)")
        }
        let (s1, _) = try one.index(options: IndexOptions(threads: 1, batchSize: 16))
        let (s4, _) = try many.index(options: IndexOptions(threads: 4, batchSize: 3, commitEvery: 5))
        #expect(s1.indexed == 40 && s4.indexed == 40)
        for i in [0, 17, 39] {
            let a = try one.search(content: "photo number \(i)", limit: 5)
            let b = try many.search(content: "photo number \(i)", limit: 5)
            #expect(a.map { $0.path.replacingOccurrences(of: one.temp.path, with: "") }
                    == b.map { $0.path.replacingOccurrences(of: many.temp.path, with: "") })
            #expect(a.map(\.score) == b.map(\.score))
        }
    }

    @Test func anInterruptedRunKeepsWhatItCommittedAndTheNextRunFinishes() throws {
        // The flag is set while the third file is being embedded, as Ctrl-C would.
        let cancel = CancellationFlag()
        let f = try Fixture(counter: CallCounter { calls in if calls == 3 { cancel.cancel() } })
        for i in 0..<12 { try f.photo("p\(i).jpg", "photo \(i)") }
        let (first, _) = try f.index(options: IndexOptions(threads: 1, batchSize: 1, commitEvery: 100),
                                     cancel: cancel)
        #expect(first.interrupted)
        #expect(first.indexed == 3)
        #expect(try f.indexedPaths().count == first.indexed)
        let before = f.counter.count
        let (second, _) = try f.index()
        #expect(!second.interrupted)
        #expect(second.indexed == 12 - first.indexed)
        #expect(second.unchanged == first.indexed)
        #expect(f.counter.count - before == 12 - first.indexed)
    }

    @Test(arguments: TestStore.allCases) func progressCountsUpToTheFilesThatNeedEmbedding(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<6 { try f.photo("p\(i).jpg", "photo \(i)") }
        try f.photo("bad.jpg", "bad")
        var last: IndexProgress?
        _ = try f.index(options: IndexOptions(threads: 2, batchSize: 2)) { last = $0 }
        #expect(last?.phase == .embedding)
        #expect(last?.total == 7)
        #expect(last?.done == 7)
        #expect(last?.failed == 1)
    }

    @Test func anEncoderThatReturnsGarbageFailsOnlyThoseFiles() throws {
        let temp = try TemporaryDirectory()
        let space = SpaceID(name: "g", dimension: 20, fingerprint: "g1")
        let pack = try ModelPack(name: "g", space: space, encoders: [GarbageEncoder(space: space)])
        for name in ["short", "nan", "zero", "long", "fine"] { try temp.write("in/\(name).jpg", name) }
        let engine = Engine(pack: pack, indexDirectory: temp.sub("index"))
        var reasons: [String: String] = [:]
        let summary = try engine.index(roots: [temp.sub("in")]) { event in
            if case .failed(let path, let reason) = event {
                reasons[URL(fileURLWithPath: path).lastPathComponent] = reason
            }
        }
        #expect(summary.indexed == 2)
        #expect(reasons["short.jpg"] == "encoder returned 19 values, expected 20")
        #expect(reasons["nan.jpg"]?.contains("NaN") == true)
        #expect(reasons["zero.jpg"]?.contains("zero vector") == true)
        // The over-long vector was normalised: its self-similarity is 1.
        let long = [Float](repeating: 3, count: 20)
        let hits = try engine.reader().search(long.map { $0 / (9 * 20).squareRoot() }, limit: 1)
        #expect(hits.first?.path.hasSuffix("/long.jpg") == true)
        #expect(abs((hits.first?.score ?? 0) - 1) < 1e-5)
    }
}
