import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Query arithmetic (rclip's `+`/`-` and `WEIGHT:` terms) and the search filters.
@Suite struct QueryLanguageTests {
    let here = Locations(environment: [:], homeDirectory: "/home/ann", currentDirectory: "/work/here")

    @Test func weightsAreReadAsRclipWritesThem() throws {
        #expect(try QueryExpression.splitWeight("2:a dog") == (2, "a dog"))
        #expect(try QueryExpression.splitWeight("0.5:./cat.jpg") == (0.5, "./cat.jpg"))
        #expect(try QueryExpression.splitWeight(".5:snow") == (0.5, "snow"))
        #expect(try QueryExpression.splitWeight("2.:snow") == (2, "snow"))
        #expect(try QueryExpression.splitWeight("a dog") == (1, "a dog"))
        #expect(try QueryExpression.splitWeight("note: a dog") == (1, "note: a dog"), "not a number before the colon")
        #expect(try QueryExpression.splitWeight("1:10:30 meeting") == (1, "10:30 meeting"))
    }

    @Test func aBadWeightIsAUsageErrorThatSaysWhy() {
        for bad in ["1.2.3:cat", "2:", ".:cat"] {
            #expect(throws: MMSearchError.self, "\(bad)") { try QueryExpression.splitWeight(bad) }
        }
        do {
            _ = try QueryExpression.splitWeight("1.2.3:cat")
        } catch let error as MMSearchError {
            #expect(error.kind == .usage && error.message.contains("is not a weight"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func addedAndSubtractedTermsGetSignedWeightsAndKinds() throws {
        let expression = try QueryExpression.parse("2:a dog", adding: ["in the snow"], subtracting: ["0.5:./cat.jpg"],
                                                   locations: here)
        #expect(expression.terms == [
            QueryTerm(.text("a dog"), weight: 2),
            QueryTerm(.text("in the snow"), weight: 1),
            QueryTerm(.file(URL(fileURLWithPath: "/work/here/cat.jpg")), weight: -0.5),
        ])
        #expect(expression.positiveTexts == ["a dog", "in the snow"])
        #expect(!expression.isSingle)
        #expect(throws: MMSearchError.self) {
            try QueryExpression.parse("https://x/y.jpg", locations: here)
        }
    }

    @Test func theCombinedVectorIsTheRenormalisedWeightedSum() throws {
        let a = hashVector(Array("a".utf8), dimension: 16), b = hashVector(Array("b".utf8), dimension: 16)
        let combined = try QueryExpression.combine([a, b], weights: [2, -1])
        let sum = zip(a, b).map { 2 * $0 - $1 }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for (x, y) in zip(combined, sum) { #expect(abs(x - y / norm) < 1e-5) }
        #expect(throws: MMSearchError.self, "terms that cancel out") {
            try QueryExpression.combine([a, a], weights: [1, -1])
        }
        // The mean used for files of several chunks is the same sum with weights 1.
        let mean = try #require(UnitVector.mean([a, b]))
        let plain = zip(a, b).map { $0 + $1 }
        let plainNorm = plain.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for (x, y) in zip(mean, plain) { #expect(abs(x - y / plainNorm) < 1e-6) }
        #expect(UnitVector.mean([]) == nil)
        #expect(UnitVector.mean([a, a.map { -$0 }]) == nil, "vectors that cancel out have no mean")
    }

    @Test func aCombinedQueryRanksByTheWeightedSum() throws {
        let f = try Fixture()
        try f.photo("dog.jpg", "a dog")
        try f.photo("cat.jpg", "a cat")
        try f.photo("car.jpg", "a car")
        _ = try f.index()
        let both = try f.engine.search(try QueryExpression.parse("a dog", adding: ["a cat"], locations: here), limit: 3)
        #expect(Set(both.prefix(2).map { URL(fileURLWithPath: $0.path).lastPathComponent }) == ["dog.jpg", "cat.jpg"])
        let dog = hashVector(Array("a dog".utf8), dimension: 24), cat = hashVector(Array("a cat".utf8), dimension: 24)
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        let sum = try QueryExpression.combine([dog, cat], weights: [1, 1])
        for hit in both.prefix(2) {
            #expect(abs(hit.score - dot(sum, hit.path.hasSuffix("/dog.jpg") ? dog : cat)) < 1e-3)
        }
        let weighted = try f.engine.search(try QueryExpression.parse("2:a dog", adding: ["a cat"], locations: here), limit: 1)
        #expect(weighted.first?.path.hasSuffix("/dog.jpg") == true)
        let twice = try QueryExpression.combine([dog, cat], weights: [2, 1])
        #expect(abs((weighted.first?.score ?? 0) - dot(twice, dog)) < 1e-3)
        let minus = try f.engine.search(try QueryExpression.parse("a dog", subtracting: ["a cat"], locations: here), limit: 3)
        #expect(minus.last?.path.hasSuffix("/cat.jpg") == true, "the subtracted term ranks last")
    }

    @Test func inKeepsOnlyFilesAtOrBelowAFolderAndNotItsNamesakes() throws {
        let f = try Fixture()
        try f.photo("a/one.jpg", "one")
        try f.photo("ab/two.jpg", "two")
        try f.photo("c.jpg", "three")
        _ = try f.index()
        var options = SearchOptions()
        options.directories = [f.photos.appendingPathComponent("a").path]
        let hits = try f.engine.search(.text("two"), limit: 10, options: options)
        #expect(hits.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["one.jpg"])
        options.directories = [f.photos.appendingPathComponent("c.jpg").path, f.photos.appendingPathComponent("ab").path]
        #expect(Set(try f.engine.search(.text("x"), limit: 10, options: options).map { URL(fileURLWithPath: $0.path).lastPathComponent })
                == ["c.jpg", "two.jpg"])
    }

    @Test func minScoreDropsWeakerResults() throws {
        let f = try Fixture()
        for i in 0..<10 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        var options = SearchOptions()
        options.minimumScore = 0.99
        let hits = try f.engine.search(.text("photo 3"), limit: 10, options: options)
        #expect(hits.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["p3.jpg"])
    }

    @Test func anImageQueryRestrictedToTextReturnsTheMatchingChunkWithItsSnippet() throws {
        let f = try Fixture(chunking: wordChunking)
        let paragraph = "a red bicycle by the river"
        try f.photo("notes.txt", "Shopping list: milk and bread.\n\n\(paragraph)\n\nThe end of the notes here.")
        try f.photo("bike.jpg", paragraph)
        try f.photo("other.jpg", "something else")
        _ = try f.index()
        var options = SearchOptions()
        options.modalities = [.text]
        let hits = try f.engine.search(.file(f.photos.appendingPathComponent("bike.jpg")), limit: 3, options: options)
        let best = try #require(hits.first)
        #expect(best.path.hasSuffix("/notes.txt") && best.modality == .text)
        #expect(best.score > 0.99)
        let chunk = try #require(best.part?.part)
        #expect(chunk.snippet() == paragraph)
        let bytes = Array(try Data(contentsOf: f.photos.appendingPathComponent("notes.txt")))
        #expect(String(decoding: bytes[try #require(chunk.bytes)], as: UTF8.self) == paragraph)
        let document = QueryResultsDocument(expression: QueryExpression(.text("x")), space: f.pack.space, hits: hits)
        #expect(document.results.first?.chunk?.snippet == paragraph)
        #expect(document.query.terms == nil)
    }
}
