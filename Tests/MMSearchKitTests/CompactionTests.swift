import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

@Suite struct CompactionTests {
    func segmentFiles(_ f: Fixture) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: f.indexDirectory.path + "/vectors").sorted()
    }

    @Test func compactionDropsDeadRowsAndKeepsResults() throws {
        let f = try Fixture()
        for i in 0..<30 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        for i in 0..<10 { try FileManager.default.removeItem(atPath: f.photos.path + "/p\(i).jpg") }
        for i in 10..<15 { try f.photo("p\(i).jpg", "new \(i)", mtime: Date().addingTimeInterval(60)) }
        _ = try f.index()
        let reader = try f.engine.reader()  // opened before: must follow the new vector file
        let before = try (0..<30).map { try f.search(content: "photo \($0)", limit: 3) }
        let report = try f.engine.index.compact()
        #expect(report.count == 1)
        let space = try #require(report.first)
        #expect(space.rewritten && space.rowsBefore == 35 && space.rowsAfter == 20)
        #expect(space.bytesAfter < space.bytesBefore)
        let after = try (0..<30).map { try f.search(content: "photo \($0)", limit: 3) }
        #expect(after == before)
        #expect(try reader.search(hashVector(Array("new 12".utf8), dimension: 24), limit: 1).first?.path
                == f.photos.path + "/p12.jpg")
        #expect(try segmentFiles(f) == ["test-24-f00d-1.f32", "test-24-f00d-1.f32.i8", "test-24-f00d-1.f32.sums",
                                        "test-24-f00d-1.f32.tags"],
                "old files removed")
        #expect(try f.rowsAddUp())
        // Nothing dead: nothing to do. New files go to the new vector file.
        #expect(try f.engine.index.compact().first?.rewritten == false)
        try f.photo("late.jpg", "late")
        _ = try f.index()
        #expect(try f.search(content: "late").first?.path == f.photos.path + "/late.jpg")
    }

    @Test func compactionConvertsBetweenF32AndF16() throws {
        let f = try Fixture(dimension: 64)
        for i in 0..<40 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let exact = try f.search(content: "photo 3", limit: 5)
        let report = try #require(try f.engine.index.compact(storage: .f16).first)
        #expect(report.storageBefore == .f32 && report.storageAfter == .f16 && report.rowsAfter == 40)
        let half = try f.search(content: "photo 3", limit: 5)
        #expect(half.map(\.path) == exact.map(\.path))
        for (a, b) in zip(half, exact) { #expect(abs(a.score - b.score) < 1e-3) }
        // New vectors are stored as f16 from now on.
        try f.photo("new.jpg", "new one")
        _ = try f.index()
        #expect(try f.search(content: "new one").first?.path == f.photos.path + "/new.jpg")
        #expect(try f.catalog().spaces().first?.elementType == "f16")
    }

    @Test func anIndexCanBeStoredAsF16FromTheStart() throws {
        let f = try Fixture(dimension: 32)
        let a = try f.photo("a.jpg", "alpha")
        _ = try f.index(options: IndexOptions(threads: 1, storage: .f16))
        #expect(try f.segmentFiles().contains("test-32-f00d.f16"))
        let hit = try #require(try f.search(content: "alpha").first)
        #expect(hit.path == a && abs(hit.score - 1) < 1e-3)
    }

    @Test func compactingAMissingIndexIsAnErrorThatCreatesNothing() throws {
        let temp = try TemporaryDirectory()
        #expect(throws: MMSearchError.self) { _ = try Index.embedded(at: temp.sub("none")).compact() }
        #expect(!FileManager.default.fileExists(atPath: temp.sub("none").path))
    }
}

extension Fixture {
    func segmentFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: indexDirectory.path + "/vectors").sorted()
    }
}
