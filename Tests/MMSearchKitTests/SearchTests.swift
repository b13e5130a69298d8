import Foundation
import Testing
@testable import MMSearchKit

@Suite struct SearchTests {
    @Test(arguments: [1, 7, 15, 16, 17, 31, 32, 33, 48, 384, 385])
    func theSIMDDotProductMatchesAScalarSum(length: Int) {
        let a = hashVector(Array("a\(length)".utf8), dimension: length)
        let b = hashVector(Array("b\(length)".utf8), dimension: length)
        let expected = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let got = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in DotProduct.dot(pa.baseAddress!, pb.baseAddress!, count: length) }
        }
        #expect(abs(Double(got) - expected) < 1e-6)
    }

    @Test func topKOrderAndScoresMatchANaiveScan() throws {
        let temp = try TemporaryDirectory()
        let dimension = 40
        let count = 2_000
        let vectors = (0..<count).map { hashVector(Array("v\($0)".utf8), dimension: dimension) }
        let writer = try VectorSegmentWriter(url: temp.sub("s.f32"), dimension: dimension,
                                             elementType: .f32, fingerprint: "t")
        _ = try writer.append(vectors)
        let segment = try MappedVectorSegment(url: temp.sub("s.f32"))
        // Every third row is dead (not referenced by the catalog).
        let live = (0..<count).filter { $0 % 3 != 0 }
        for q in 0..<5 {
            let query = hashVector(Array("query \(q)".utf8), dimension: dimension)
            let naive = live.map { row -> (row: Int, score: Double) in
                (row, zip(query, vectors[row]).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
            }.sorted { $0.score > $1.score }
            for k in [1, 10, 100] {
                let got = ExactSearch.topK(query: query, rows: segment.rows, dimension: dimension,
                                           live: live, k: k)
                #expect(got.map(\.row) == naive.prefix(k).map(\.row))
                for (g, n) in zip(got, naive) { #expect(abs(Double(g.score) - n.score) < 1e-5) }
            }
        }
    }

    @Test func topKKeepsTheBestAndBreaksTiesByRow() {
        var top = TopK(k: 3)
        for (row, score) in [(0, 0.5), (1, 0.9), (2, 0.5), (3, 0.1), (4, 0.9), (5, 0.7)] {
            top.insert(row: row, score: Float(score))
        }
        #expect(top.sorted().map(\.row) == [1, 4, 5])
        var few = TopK(k: 10)
        few.insert(row: 9, score: 0.2)
        few.insert(row: 3, score: 0.2)
        #expect(few.sorted().map(\.row) == [3, 9])
        var none = TopK(k: 0)
        none.insert(row: 1, score: 1)
        #expect(none.sorted().isEmpty)
    }

    @Test func searchReturnsPathsScoresAndModalitiesBestFirst() throws {
        let f = try Fixture(dimension: 384)
        for i in 0..<30 { try f.photo("p\(i).png", "picture \(i)") }
        _ = try f.index()
        let query = hashVector(Array("picture 7".utf8), dimension: 384)
        let hits = try f.engine.reader().search(query, limit: 5)
        #expect(hits.count == 5)
        #expect(hits.first?.path == f.photos.path + "/p7.png")
        #expect(hits.allSatisfy { $0.modality == .image })
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(try f.engine.reader().search(query, limit: 100).count == 30)
    }

    @Test func aTextQueryIsEmbeddedWithThePacksTextEncoder() throws {
        let f = try Fixture()
        let note = try f.photo("note.jpg", "a dog on a beach")
        try f.photo("other.jpg", "something else")
        _ = try f.index()
        let hits = try f.engine.search(.text("a dog on a beach"), limit: 2)
        #expect(hits.first?.path == note)
        #expect(abs((hits.first?.score ?? 0) - 1) < 1e-5)
    }

    @Test func aFileQueryFindsItselfFirst() throws {
        let f = try Fixture()
        let cat = try f.photo("cat.jpg", "cat pixels")
        try f.photo("dog.jpg", "dog pixels")
        _ = try f.index()
        let hits = try f.engine.search(.file(URL(fileURLWithPath: cat)), limit: 10)
        #expect(hits.map(\.path).first == cat)
    }
}
