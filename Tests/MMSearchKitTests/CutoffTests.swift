import Foundation
import Testing
import MMTestSupport
@testable import MMSearchKit

/// `SearchOptions.cutoff`: results that stand out from the query's scores over the whole space,
/// the same files whatever the store; and how `eval` measures a returned set.
@Suite struct CutoffTests {
    func names(_ hits: [SearchHit]) -> [String] { hits.map { URL(fileURLWithPath: $0.path).lastPathComponent }.sorted() }

    /// 200 background scores spread evenly over 0.10…0.30 (median 0.20, robust σ ≈ 0.074).
    let background = (0..<200).map { Float(0.10) + Float($0) * 0.001 }

    @Test func aScoreThatStandsOutPassesAndOneInsideTheBackgroundDoesNot() {
        let cutoff = AutomaticCutoff(deviations: 3, spread: 1.5, floor: 0)
        let spread = RobustSpread(background)
        #expect(abs(spread.median - 0.1995) < 1e-4)
        #expect(abs(spread.sigma - 1.4826 * 0.05) < 1e-3)
        // A query whose best result is far above its background keeps what stands with it.
        let clear = cutoff.threshold(sample: background, best: 0.9)
        #expect(clear < 0.9 && clear > 0.5)
        #expect(abs(clear - (0.9 - 1.5 * spread.sigma)) < 1e-5)
        // A query whose best result is among its background keeps nothing.
        let vague = cutoff.threshold(sample: background, best: 0.32)
        #expect(vague > 0.32)
        #expect(abs(vague - (spread.median + 3 * spread.sigma)) < 1e-5)
    }

    @Test func theFloorHoldsAndATinySampleTellsNothing() {
        #expect(AutomaticCutoff(floor: 0.6).threshold(sample: background, best: 0.62) == 0.6)
        #expect(AutomaticCutoff(floor: 0.4).threshold(sample: [0.1, 0.2, 0.3], best: 0.9) == 0.4)
        // Every score equal: only the equals of the best pass.
        let flat = AutomaticCutoff(floor: 0).threshold(sample: Array(repeating: 0.5, count: 50), best: 0.5)
        #expect(flat > 0.5 && flat < 0.5001)
    }

    @Test(arguments: TestStore.allCases) func everyStoreKeepsTheFilesThatStandOutAndNothingForAVagueQuery(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<40 { try f.photo("photo-\(i).jpg", "holiday picture \(i)") }
        try f.photo("tractor-1.jpg", "red tractor")
        try f.photo("tractor-2.jpg", "red tractor")
        _ = try f.index()
        var options = SearchOptions()
        options.cutoff = AutomaticCutoff()
        #expect(names(try f.engine.search(.text("red tractor"), limit: 10, options: options)) == ["tractor-1.jpg", "tractor-2.jpg"])
        let vague = try f.engine.search(.text("a walk in the woods"), limit: 10, options: options)
        let plain = try f.engine.search(.text("a walk in the woods"), limit: 10)
        #expect(plain.count == 10 && vague.count < plain.count)
        // The threshold the search applied, and the same through the hybrid ranking's vectors.
        let reader = try f.engine.reader()
        let vector = hashVector(Array("red tractor".utf8), dimension: 24)
        let least = try #require(try reader.leastScore(vector, options: options))
        #expect(least >= 0.42 && least < 1)
        options.hybrid = true
        #expect(names(try f.engine.search(.text("red tractor"), limit: 10, options: options)) == ["tractor-1.jpg", "tractor-2.jpg"])
    }

    @Test func aMinimumScoreAboveTheCutoffWins() throws {
        let f = try Fixture()
        for i in 0..<20 { try f.photo("photo-\(i).jpg", "holiday picture \(i)") }
        try f.photo("tractor.jpg", "red tractor")
        _ = try f.index()
        let vector = hashVector(Array("red tractor".utf8), dimension: 24)
        var options = SearchOptions(minimumScore: 0.999, cutoff: AutomaticCutoff(floor: 0))
        #expect(try f.engine.reader().leastScore(vector, options: options) == 0.999)
        options.cutoff = nil
        options.minimumScore = nil
        #expect(try f.engine.reader().leastScore(vector, options: options) == nil)
    }

    @Test func aDashJudgesAQueryToHaveNoRelevantFile() throws {
        let qrels = try Qrels.parse("a dog\tdog.jpg\nnothing here\t-\n", source: "q.tsv", root: "/p")
        #expect(qrels.entries.map(\.query) == ["a dog", "nothing here"])
        #expect(qrels.entries[0].relevant == ["/p/dog.jpg"] && qrels.entries[1].relevant.isEmpty)
    }

    @Test func theReturnedSetIsScoredByPrecisionRecallAndF1() {
        let a = SetMetrics(returned: ["/a", "/b", "/c", "/d"], relevant: ["/a", "/b", "/e"])
        #expect(a.returned == 4 && a.precision == 0.5 && abs(a.recall - 2.0 / 3) < 1e-12)
        #expect(abs(a.f1 - 4.0 / 7) < 1e-12)
        let nothingBack = SetMetrics(returned: [], relevant: ["/a"])
        #expect(nothingBack.precision == 1 && nothingBack.recall == 0 && nothingBack.f1 == 0)
        let rightlyNothing = SetMetrics(returned: [], relevant: [])
        #expect(rightlyNothing.f1 == 1 && rightlyNothing.recall == 1)
        let wronglySomething = SetMetrics(returned: ["/x"], relevant: [])
        #expect(wronglySomething.precision == 0 && wronglySomething.f1 == 0)
        let mean = SetMetrics.mean([a, rightlyNothing])
        #expect(mean.returned == 2 && mean.precision == 0.75)
    }
}
