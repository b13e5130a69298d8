import Foundation
import Testing
import MMTestSupport
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Re-runs: what is read, hashed, embedded, reused and forgotten.
@Suite struct IncrementalIndexingTests {
    @Test func aRenamedFileKeepsItsVectorAndIsNotEmbeddedAgain() throws {
        let f = try Fixture()
        let old = try f.photo("a.jpg", "a photo")
        try f.photo("b.jpg", "b photo")
        _ = try f.index()
        let row = try #require(try f.catalog().file(path: old, space: 1)?.vectorRow)
        let new = f.photos.path + "/renamed.jpg"
        try FileManager.default.moveItem(atPath: old, toPath: new)
        let (summary, _) = try f.index()
        #expect(f.imageEmbeds == 2, "the rename was not embedded")
        #expect(summary.indexed == 0 && summary.reused == 1 && summary.removed == 0 && summary.unchanged == 1)
        #expect(try f.catalog().file(path: new, space: 1)?.vectorRow == row)
        #expect(try f.catalog().file(path: old, space: 1) == nil)
        let hit = try #require(try f.search(content: "a photo").first)
        #expect(hit.path == new && abs(hit.score - 1) < 1e-5)
        #expect(try f.rowsAddUp())
    }

    @Test(arguments: TestStore.allCases) func aMovedFolderKeepsItsVectors(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<5 { try f.photo("trip/p\(i).jpg", "trip \(i)") }
        _ = try f.index()
        try FileManager.default.createDirectory(at: f.photos.appendingPathComponent("2024"),
                                                withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: f.photos.appendingPathComponent("trip"),
                                         to: f.photos.appendingPathComponent("2024/italy"))
        let (summary, _) = try f.index()
        #expect(f.imageEmbeds == 5)
        #expect(summary.reused == 5 && summary.removed == 0)
        #expect(try f.indexedPaths() == Set((0..<5).map { f.photos.path + "/2024/italy/p\($0).jpg" }))
    }

    @Test func aCopyTakesACopyOfTheVectorWithoutEmbedding() throws {
        let f = try Fixture()
        let original = try f.photo("a.jpg", "same bytes")
        _ = try f.index()
        let copy = f.photos.path + "/copy.jpg"
        try FileManager.default.copyItem(atPath: original, toPath: copy)
        let (summary, _) = try f.index()
        #expect(f.imageEmbeds == 1)
        #expect(summary.reused == 1 && summary.indexed == 0)
        let hits = try f.search(content: "same bytes")
        #expect(Set(hits.prefix(2).map(\.path)) == [original, copy])
        #expect(hits.prefix(2).allSatisfy { abs($0.score - 1) < 1e-5 })
        // Deleting the original leaves the copy searchable.
        try FileManager.default.removeItem(atPath: original)
        _ = try f.index()
        #expect(try f.search(content: "same bytes").first?.path == copy)
        #expect(try f.rowsAddUp())
    }

    @Test(arguments: TestStore.allCases) func identicalNewFilesAreEmbeddedOnce(store: TestStore) throws {
        let f = try Fixture(store: store)
        for name in ["x.jpg", "y.jpg", "sub/z.jpg"] { try f.photo(name, "duplicate") }
        try f.photo("other.jpg", "other")
        let (summary, _) = try f.index()
        #expect(f.imageEmbeds == 2)
        #expect(summary.indexed == 2 && summary.reused == 2)
        #expect(try f.search(content: "duplicate").prefix(3).allSatisfy { abs($0.score - 1) < 1e-5 })
    }

    @Test func aTouchedFileWithTheSameContentIsNotEmbeddedAgain() throws {
        let f = try Fixture()
        let a = try f.photo("a.jpg", "content", mtime: Date(timeIntervalSince1970: 1_000))
        _ = try f.index()
        try f.photo("a.jpg", "content", mtime: Date(timeIntervalSince1970: 2_000))
        let (summary, _) = try f.index()
        #expect(f.imageEmbeds == 1)
        #expect(summary.unchanged == 1 && summary.indexed == 0)
        // Recorded: the third run does not even hash it.
        #expect(try f.catalog().file(path: a, space: 1)?.mtimeNs == 2_000_000_000_000)
    }

    @Test func anUnchangedFileIsNotReadAtAll() throws {
        // Same size and modification time, other bytes: only a run that reads the file could
        // notice. An unchanged run does stat work only, so it does not.
        let f = try Fixture()
        let when = Date(timeIntervalSince1970: 5_000)
        let a = try f.photo("a.jpg", "version one", mtime: when)
        _ = try f.index()
        try f.photo("a.jpg", "version two", mtime: when)
        let (summary, _) = try f.index()
        #expect(summary.unchanged == 1 && summary.indexed == 0 && f.imageEmbeds == 1)
        #expect(try f.search(content: "version one").first?.path == a)
    }

    @Test func aFileRewrittenWithinItsClockTickAfterBeingReadIsNoticed() throws {
        // The second write keeps size and modification time, as two writes within one tick of
        // a coarse file-system clock do. The record was written seconds after that time, so it
        // does not vouch for the content: the next run hashes the file and sees the change.
        let f = try Fixture()
        let when = Date()
        let a = try f.photo("a.jpg", "version one", mtime: when)
        _ = try f.index()
        try f.photo("a.jpg", "version two", mtime: when)
        let (summary, _) = try f.index()
        #expect(summary.indexed == 1 && f.imageEmbeds == 2)
        #expect(try f.search(content: "version two").first?.path == a)
        // Hashed again while it is that recent, but embedded only when its bytes change.
        let (again, _) = try f.index()
        #expect(again.unchanged == 1 && again.indexed == 0 && f.imageEmbeds == 2)
        let record = try #require(try f.catalog().file(path: a, space: 1))
        #expect(Indexer.isRacy(record))
        var older = record
        older.mtimeNs = Int64((record.indexedAt - Indexer.racyWindow - 1) * 1e9)
        #expect(!Indexer.isRacy(older), "a file last changed well before its record was written is trusted")
    }

    @Test func aFileMovedOntoAnIndexedPathReplacesItsVector() throws {
        let f = try Fixture()
        let a = try f.photo("a.jpg", "alpha")
        let b = try f.photo("b.jpg", "bravo")
        _ = try f.index()
        try FileManager.default.removeItem(atPath: b)
        try FileManager.default.moveItem(atPath: a, toPath: b)
        let (summary, _) = try f.index()
        #expect(f.imageEmbeds == 2)
        #expect(summary.reused == 1 && summary.indexed == 0)
        #expect(try f.indexedPaths() == [b])
        #expect(try f.search(content: "alpha").first.map { $0.path == b && abs($0.score - 1) < 1e-5 } == true)
        #expect(try f.search(content: "bravo").allSatisfy { $0.score < 0.99 })
        #expect(try f.rowsAddUp())
    }

    @Test func filesThatSwapNamesAreNotEmbeddedAgain() throws {
        let f = try Fixture()
        let a = try f.photo("a.jpg", "alpha")
        let b = try f.photo("b.jpg", "bravo")
        _ = try f.index()
        let c = f.photos.path + "/c.jpg"
        try FileManager.default.moveItem(atPath: b, toPath: c)
        try FileManager.default.moveItem(atPath: a, toPath: b)
        let (summary, _) = try f.index()
        #expect(f.imageEmbeds == 2)
        #expect(summary.reused == 2 && summary.indexed == 0 && summary.removed == 0)
        #expect(try f.search(content: "alpha").first?.path == b)
        #expect(try f.search(content: "bravo").first?.path == c)
        #expect(try f.rowsAddUp())
    }

    @Test func aTextFilesContentMovingToANewFileKeepsItsChunks() throws {
        // c.txt changes; d.txt appears with c.txt's old text: d.txt takes c.txt's old vectors
        // and chunks, read before c.txt's record is replaced.
        let counter = CallCounter()
        let f = try Fixture(counter: counter, chunking: wordChunking)
        let old = "First part of the old text, long enough.\n\nSecond part of it."
        let c = try f.photo("c.txt", old)
        _ = try f.index()
        let embedded = counter.count
        try f.photo("c.txt", "Entirely new words in this file now.", mtime: Date().addingTimeInterval(60))
        let d = try f.photo("d.txt", old)
        let (summary, _) = try f.index()
        #expect(summary.reused == 1 && summary.indexed == 1)
        #expect(counter.count == embedded + 1, "only c.txt's new text was embedded")
        let hit = try #require(try f.engine.search(.text("Second part of it."), limit: 1).first)
        #expect(hit.path == d && hit.part?.text == "Second part of it.")
        #expect(try f.engine.search(.text("Entirely new words in this file now."), limit: 1).first?.path == c)
        #expect(try f.rowsAddUp())
    }

    @Test(arguments: TestStore.allCases) func theDefaultExcludesAndHiddenFilesAreSkippedUnlessAskedFor(store: TestStore) throws {
        let f = try Fixture(store: store)
        let kept = try f.photo("a.jpg", "kept")
        let modules = try f.photo("node_modules/pkg/logo.png", "npm logo")
        let git = try f.photo("repo/.git/objects/x.jpg", "git object")
        let hidden = try f.photo(".hidden/h.jpg", "hidden")
        _ = try f.index()
        #expect(try f.indexedPaths() == [kept])
        _ = try f.index(options: IndexOptions(threads: 1, includeHidden: true))
        #expect(try f.indexedPaths() == [kept, hidden], ".git stays excluded by name")
        _ = try f.index(options: IndexOptions(threads: 1, excludedNames: [], includeHidden: true))
        #expect(try f.indexedPaths() == [kept, hidden, modules, git])
        // Back to the defaults: what is now excluded leaves the index.
        let (summary, _) = try f.index()
        #expect(summary.removed == 3)
        #expect(try f.indexedPaths() == [kept])
    }

    @Test(arguments: TestStore.allCases) func excludeTakesNamePatternsAndFolderPaths(store: TestStore) throws {
        let f = try Fixture(store: store)
        let kept = try f.photo("keep/a.jpg", "a")
        try f.photo("build-1/b.jpg", "b")
        try f.photo("build-2/c.jpg", "c")
        try f.photo("old/d.jpg", "d")
        let nested = try f.photo("keep/old/e.jpg", "e")
        let options = IndexOptions(threads: 1, excludedNames: ["build-*"],
                                   excludedPaths: [f.photos.path + "/old"])
        _ = try f.index(options: options)
        #expect(try f.indexedPaths() == [kept, nested], "a path excludes that folder only")
    }

    @Test(arguments: TestStore.allCases) func anIgnoreFileSkipsItsPatternsInItsFolderAndBelow(store: TestStore) throws {
        let f = try Fixture(store: store)
        let kept = try f.photo("a.jpg", "a")
        let notes = try f.photo("notes.txt", "some notes")
        try f.photo("trip/draft-1.jpg", "draft")
        let nested = try f.photo("trip/day-1.jpg", "day")
        try f.photo("trip/deeper/draft-2.jpg", "deeper draft")
        let outside = try f.photo("other/draft-3.jpg", "not under the ignore file")
        // In trip/: drafts there and below; comments and blank lines are no patterns.
        try f.photo("trip/.mmsearchignore", "# work in progress\n\ndraft-*\n")
        _ = try f.index()
        #expect(try f.indexedPaths() == [kept, notes, outside, nested])
        // At the root: applies everywhere below; a file ignored now leaves the index.
        try f.photo(".mmsearchignore", "notes.txt\n")
        let (summary, _) = try f.index()
        #expect(summary.removed == 1)
        #expect(try f.indexedPaths() == [kept, outside, nested])
    }

    @Test func theRowInvariantHoldsThroughChangesDeletesAndFailures() throws {
        let f = try Fixture()
        for i in 0..<20 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        for i in 0..<5 { try FileManager.default.removeItem(atPath: f.photos.path + "/p\(i).jpg") }
        for i in 5..<10 { try f.photo("p\(i).jpg", "changed \(i)", mtime: Date().addingTimeInterval(100)) }
        for i in 10..<12 { try f.photo("p\(i).jpg", "bad now", mtime: Date().addingTimeInterval(100)) }
        try FileManager.default.moveItem(atPath: f.photos.path + "/p12.jpg", toPath: f.photos.path + "/q12.jpg")
        let (summary, _) = try f.index()
        #expect(summary.removed == 5 && summary.indexed == 5 && summary.failed == 2 && summary.reused == 1)
        #expect(try f.rowsAddUp())
        #expect(try f.engine.reader().count() == 13)
        #expect(try f.indexedPaths().count == 13)
    }
}

extension IncrementalIndexingTests {
    @Test(arguments: TestStore.allCases) func aCopyOfAFileThatFailedIsEmbeddedItselfNotGivenTheFailure(store: TestStore) throws {
        let f = try Fixture(store: store)
        let first = try f.photo("a.jpg", "bad bytes")
        let second = try f.photo("b.jpg", "bad bytes")
        let (summary, failures) = try f.index()
        #expect(f.imageEmbeds == 2, "the copy was tried on its own")
        #expect(summary.failed == 2 && Set(failures.map(\.path)) == [first, second])
    }
}
