import Foundation
import Testing
import MMTestSupport
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Near-duplicates, the space's diagnostics (anisotropy, hubness) and retrieval evaluation.
@Suite struct SpaceToolsTests {
    func matrix(_ vectors: [[Float]]) -> SpaceMatrix {
        let items = vectors.indices.map { IndexedItem(fileID: Int64($0), path: "/v\($0)", modality: .image, vectorCount: 1) }
        return SpaceMatrix(items: items, dimension: vectors[0].count, values: vectors.flatMap { $0 })
    }

    func unit(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    @Test(arguments: TestStore.allCases) func identicalFilesFormOneDuplicateGroupAndOthersNone(store: TestStore) throws {
        let f = try Fixture(store: store)
        try f.photo("a.jpg", "same picture")
        try f.photo("copy/a.jpg", "same picture")
        try f.photo("b.jpg", "another")
        try f.photo("c.jpg", "a third")
        _ = try f.index()
        let groups = DuplicateFinder.groups(try f.engine.reader().matrix(), threshold: 0.95)
        #expect(groups.count == 1)
        #expect(groups.first?.paths == [f.photos.appendingPathComponent("a.jpg").path,
                                        f.photos.appendingPathComponent("copy/a.jpg").path])
        #expect(abs((groups.first?.maxScore ?? 0) - 1) < 1e-4)
    }

    @Test func nearDuplicatesJoinTransitivelyAtTheThreshold() {
        // b is 0.96 from a and from c; a and c are further apart (cos 2θ): one group of three.
        let theta = acos(Float(0.96))
        let a = unit([1, 0, 0]), b = unit([cos(theta), sin(theta), 0]), c = unit([cos(2 * theta), sin(2 * theta), 0])
        let far = unit([0, 0, 1])
        let groups = DuplicateFinder.groups(matrix([a, b, c, far]), threshold: 0.95)
        #expect(groups.map(\.paths) == [["/v0", "/v1", "/v2"]])
        #expect(abs((groups.first?.minScore ?? 0) - 0.96) < 1e-4)
        #expect(DuplicateFinder.groups(matrix([a, b, c, far]), threshold: 0.97).isEmpty)
    }

    @Test func blockProductsFindWhatComparingEveryPairFinds() {
        // 300 vectors: five row blocks of 64, pairs planted within a block, across blocks and
        // across the last (short) one; tiles of 7 columns so that every tile edge is crossed.
        var vectors = (0..<300).map { hashVector(Array("r\($0)".utf8), dimension: 12) }.map(unit)
        for (copy, of) in [(3, 1), (70, 2), (200, 64), (299, 128), (130, 129), (250, 70)] {
            vectors[copy] = unit(zip(vectors[of], vectors[copy]).map { $0 * 0.999 + $1 * 0.01 })
        }
        let m = matrix(vectors)
        func dot(_ i: Int, _ j: Int) -> Float { zip(vectors[i], vectors[j]).reduce(0) { $0 + $1.0 * $1.1 } }
        var seen = 0
        m.scores(rows: 60..<70, columns: 5..<300, tile: 7) { columns, scores in
            for r in 0..<10 {
                for (c, j) in columns.enumerated() {
                    #expect(abs(scores[r * columns.count + c] - dot(60 + r, j)) < 1e-5)
                    seen += 1
                }
            }
        }
        #expect(seen == 10 * 295)
        // Groups: the connected components of the pairs at or above the threshold, naively.
        var naive: [Set<Int>] = []
        for i in 0..<300 {
            for j in (i + 1)..<300 where dot(i, j) >= 0.95 {
                let joined = naive.filter { $0.contains(i) || $0.contains(j) }
                naive.removeAll { $0.contains(i) || $0.contains(j) }
                naive.append(joined.reduce(Set([i, j])) { $0.union($1) })
            }
        }
        let groups = DuplicateFinder.groups(m, threshold: 0.95)
        #expect(Set(groups.map { Set($0.paths) }) == Set(naive.map { Set($0.map { "/v\($0)" }) }))
        #expect(groups.count == 5, "(1, 3), (2, 70, 250), (64, 200), (128, 299), (129, 130)")
        // k-occurrences: every row's nearest neighbours, naively.
        var counts = [Int](repeating: 0, count: 300)
        for i in 0..<300 {
            let nearest = (0..<300).filter { $0 != i }.sorted { (dot(i, $0), -$0) > (dot(i, $1), -$1) }.prefix(3)
            for j in nearest { counts[j] += 1 }
        }
        #expect(SpaceStatistics.kOccurrences(m, k: 3) == counts)
    }

    @Test func anisotropyIsTheMeanPairwiseCosine() {
        let vectors = (0..<40).map { hashVector(Array("v\($0)".utf8), dimension: 8).map { $0 + 0.3 } }.map(unit)
        var sum = 0.0, pairs = 0
        for i in vectors.indices {
            for j in vectors.indices where j != i {
                sum += Double(zip(vectors[i], vectors[j]).reduce(0) { $0 + $1.0 * $1.1 })
                pairs += 1
            }
        }
        let got = SpaceStatistics.anisotropy(matrix(vectors))
        #expect(abs((got ?? 0) - sum / Double(pairs)) < 1e-5)
        #expect((got ?? 0) > 0.2, "vectors shifted towards one direction crowd into a cone")
        #expect(SpaceStatistics.anisotropy(matrix([vectors[0]])) == nil)
    }

    @Test func kOccurrencesCountEveryNeighbourListAndAHubIsSkewed() {
        // 30 points, each along its own axis plus a shared component, and the shared
        // direction itself: it is every point's nearest neighbour, a hub.
        var vectors: [[Float]] = (0..<30).map { i in
            var v = [Float](repeating: 0, count: 31)
            v[0] = 1
            v[i + 1] = 1
            return unit(v)
        }
        var hub = [Float](repeating: 0, count: 31)
        hub[0] = 1
        vectors.append(hub)
        let m = matrix(vectors)
        let occurrences = SpaceStatistics.kOccurrences(m, k: 3)
        #expect(occurrences.reduce(0, +) == 31 * 3)
        #expect(occurrences[30] == 30, "the hub is in every other point's top 3")
        let stats = SpaceStatistics.of(m, k: 3)
        #expect(stats.topHub?.occurrences == 30, "the largest N_k")
        #expect((stats.hubness ?? 0) > 2)
        #expect(SpaceStatistics.skewness([1, 2, 3]) == 0)
        #expect(SpaceStatistics.skewness([1, 1, 1]) == nil)
        #expect(SpaceStatistics.kOccurrences(matrix(Array(vectors.prefix(3))), k: 3).isEmpty)
    }

    @Test func hubnessOfALargeSpaceIsComputedOnAFixedSample() {
        let vectors = (0..<60).map { hashVector(Array("s\($0)".utf8), dimension: 6) }
        let a = SpaceStatistics.of(matrix(vectors), k: 5, sampleSize: 20)
        let b = SpaceStatistics.of(matrix(vectors), k: 5, sampleSize: 20)
        #expect(a.hubnessFiles == 20 && a.files == 60 && a == b)
    }

    @Test func rankingMetricsMatchAHandComputedExample() {
        let relevant: Set<String> = ["/b", "/d"]
        let m = RankingMetrics(ranking: ["/a", "/b", "/b", "/c", "/x", "/y", "/d"], relevant: relevant)
        // Deduplicated ranking: a b c x y d → relevant at ranks 2 and 6.
        #expect(m.recallAt1 == 0 && m.recallAt5 == 0.5 && m.recallAt10 == 1)
        #expect(m.reciprocalRank == 0.5)
        let dcg = 1 / log2(3.0) + 1 / log2(7.0), ideal = 1 + 1 / log2(3.0)
        #expect(abs(m.ndcgAt10 - dcg / ideal) < 1e-12)
        let none = RankingMetrics(ranking: ["/a"], relevant: ["/z"])
        #expect(none.reciprocalRank == 0 && none.ndcgAt10 == 0)
        let mean = RankingMetrics.mean([m, none])
        #expect(mean.reciprocalRank == 0.25 && mean.recallAt10 == 0.5)
    }

    @Test func qrelsFilesAreReadWithHeadersCommentsAndSeveralLinesPerQuery() throws {
        let text = "query\texpected\n# comment\na dog\tdog.jpg\n\na dog\t/abs/dog2.jpg\n./cat.jpg\tsub/cat.jpg\r\n"
        let qrels = try Qrels.parse(text, source: "q.tsv", root: "/media")
        #expect(qrels.entries == [
            Qrels.Entry(query: "a dog", relevant: ["/media/dog.jpg", "/abs/dog2.jpg"]),
            Qrels.Entry(query: "./cat.jpg", relevant: ["/media/sub/cat.jpg"]),
        ])
        do {
            _ = try Qrels.parse("a dog\tdog.jpg\nno tab here\n", source: "q.tsv", root: "/")
            Issue.record("a line without a tab was accepted")
        } catch let error as MMSearchError {
            #expect(error.kind == .usage && error.message.hasPrefix("q.tsv:2:"))
        }
        #expect(throws: MMSearchError.self) { try Qrels.parse("# nothing\n", source: "q.tsv", root: "/") }
    }

    @Test(arguments: TestStore.allCases) func evaluatingAnIndexScoresEachQuery(store: TestStore) throws {
        let f = try Fixture(store: store)
        try f.photo("dog.jpg", "a dog")
        try f.photo("cat.jpg", "a cat")
        try f.photo("car.jpg", "a car")
        _ = try f.index()
        let qrels = try Qrels.parse("a dog\tdog.jpg\na cat\tcar.jpg\n", source: "q", root: f.photos.path)
        let here = Locations(environment: [:], homeDirectory: "/home/ann", currentDirectory: f.temp.path)
        let report = try f.engine.evaluate(qrels, locations: here)
        #expect(report.perQuery[0].metrics.recallAt1 == 1 && report.perQuery[0].metrics.reciprocalRank == 1)
        #expect(report.perQuery[1].metrics.recallAt1 == 0 && report.perQuery[1].metrics.recallAt10 == 1)
        #expect(report.mean.recallAt1 == 0.5)
    }
}
