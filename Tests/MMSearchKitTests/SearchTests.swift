import Foundation
import Testing
import MMTestSupport
@testable import MMEmbeddedStore
@testable import MMSearchKit

@Suite struct SearchTests {
    /// The best `k` of `rows` by a Double-precision dot product with `query`.
    func naiveTop(_ query: [Float], _ vectors: [Float], dimension: Int, rows: [Int], k: Int) -> [(row: Int, score: Double)] {
        var scored: [(row: Int, score: Double)] = []
        for row in rows {
            var sum = 0.0
            for j in 0..<dimension { sum += Double(query[j]) * Double(vectors[row * dimension + j]) }
            scored.append((row, sum))
        }
        scored.sort { a, b in a.score > b.score || (a.score == b.score && a.row < b.row) }
        return Array(scored.prefix(k))
    }

    @Test func exactTopKMatchesANaiveScanAndSkipsDeadRows() throws {
        let temp = try TemporaryDirectory()
        let (dimension, count) = (40, 2_000)
        let vectors = randomUnitVectors(count: count, dimension: dimension, seed: 1)
        let (master, codes) = try writeSegments(vectors, dimension: dimension, storage: .f32, in: temp.url)
        // Every third row is dead.
        var live = LiveRows()
        live.update(rowCount: count, tombstones: stride(from: 0, to: count, by: 3).enumerated().map {
            Tombstone(seq: Int64($0.offset + 1), rows: $0.element..<($0.element + 1))
        })
        let liveRows = (0..<count).filter { $0 % 3 != 0 }
        let search = VectorSearch(master: master, codes: codes, live: live)
        for q in 0..<5 {
            let query = hashVector(Array("query \(q)".utf8), dimension: dimension)
            let naive = naiveTop(query, vectors, dimension: dimension, rows: liveRows, k: 100)
            for k in [1, 10, 100] {
                for method in SearchOptions.Method.allCases {
                    let (got, _) = search.topK(query, k: k, options: SearchOptions(method: method, threads: 1))
                    #expect(got.map(\.row) == naive.prefix(k).map(\.row), "k \(k), \(method)")
                    for (g, n) in zip(got, naive) { #expect(abs(Double(g.score) - n.score) < 1e-5) }
                }
            }
        }
    }

    @Test func int8WithRescoringGivesTheExactTop10On100kRandomVectors() throws {
        let temp = try TemporaryDirectory()
        let (dimension, count) = (384, 100_000)
        let vectors = randomUnitVectors(count: count, dimension: dimension, seed: 42)
        let (master, codes) = try writeSegments(vectors, dimension: dimension, storage: .f32, in: temp.url)
        let search = VectorSearch(master: master, codes: codes, live: allLive(count))
        let queries = randomUnitVectors(count: 20, dimension: dimension, seed: 7)
        var rescored = 0
        for q in 0..<20 {
            // Half the queries are near a stored row, as "more like this" queries are.
            var query = Array(queries[(q * dimension)..<((q + 1) * dimension)])
            if q % 2 == 0 {
                let row = q * 4_999
                query = zip(query, vectors[(row * dimension)..<((row + 1) * dimension)]).map { 0.3 * $0 + $1 }
                let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
                query = query.map { $0 / norm }
            }
            let (exact, _) = search.topK(query, k: 10, options: SearchOptions(method: .exact, threads: 1))
            let (fast, statistics) = search.topK(query, k: 10, options: SearchOptions(method: .quantized, threads: 1))
            #expect(fast == exact, "query \(q)")
            #expect(statistics.quantizedRows == count && statistics.exactRows == 0)
            rescored += statistics.rescored
        }
        // The bound is tight enough that rescoring stays a small fraction of the scan.
        #expect(rescored / 20 < 2_000, "rescored \(rescored / 20) rows per query")
    }

    @Test func int8WithRescoringIsExactAmongTiesAndNearDuplicates() throws {
        let temp = try TemporaryDirectory()
        let dimension = 64
        // 500 copies of one vector, 500 tiny perturbations of it, and noise: scores within
        // the int8 error of each other everywhere near the top.
        let base = hashVector(Array("base".utf8), dimension: dimension)
        let noise = randomUnitVectors(count: 3_000, dimension: dimension, seed: 3)
        var vectors: [Float] = []
        for i in 0..<1_000 {
            var v = base
            if i >= 500 { v[i % dimension] += 1e-3 * Float(i % 7) }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vectors += v.map { $0 / norm }
        }
        vectors += noise
        let count = vectors.count / dimension
        let (master, codes) = try writeSegments(vectors, dimension: dimension, storage: .f32, in: temp.url)
        let search = VectorSearch(master: master, codes: codes, live: allLive(count))
        for query in [base, Array(noise[0..<dimension])] {
            for k in [1, 10, 600] {
                let (exact, _) = search.topK(query, k: k, options: SearchOptions(method: .exact, threads: 1))
                let (fast, _) = search.topK(query, k: k, options: SearchOptions(method: .quantized, threads: 1))
                #expect(fast == exact)
            }
        }
    }

    @Test func twoThreadsGiveTheSameResultsAsOne() throws {
        let temp = try TemporaryDirectory()
        let (dimension, count) = (96, 20_000)
        let vectors = randomUnitVectors(count: count, dimension: dimension, seed: 11)
        for storage in [VectorElementType.f32, .f16] {
            let (master, codes) = try writeSegments(vectors, dimension: dimension, storage: storage, in: temp.url,
                                                    name: "s-\(storage)")
            let search = VectorSearch(master: master, codes: codes, live: allLive(count))
            let query = Array(vectors[0..<dimension])
            for method in SearchOptions.Method.allCases {
                let (one, s1) = search.topK(query, k: 25, options: SearchOptions(method: method, threads: 1, rowsPerThread: 1_000))
                let (two, s2) = search.topK(query, k: 25, options: SearchOptions(method: method, threads: 2, rowsPerThread: 1_000))
                #expect(one == two)
                #expect(s1.threads == 1 && s2.threads == 2)
                #expect(one.first?.row == 0)
            }
        }
    }

    @Test func f16StorageRanksLikeF32WithinItsPrecision() throws {
        let temp = try TemporaryDirectory()
        let (dimension, count) = (384, 5_000)
        let vectors = randomUnitVectors(count: count, dimension: dimension, seed: 5)
        let f32 = try writeSegments(vectors, dimension: dimension, storage: .f32, in: temp.url, name: "a")
        let f16 = try writeSegments(vectors, dimension: dimension, storage: .f16, in: temp.url, name: "b")
        let query = randomUnitVectors(count: 1, dimension: dimension, seed: 99)
        let (a, _) = VectorSearch(master: f32.master, codes: f32.codes, live: allLive(count))
            .topK(query, k: 50, options: SearchOptions(method: .exact, threads: 1))
        let (b, _) = VectorSearch(master: f16.master, codes: f16.codes, live: allLive(count))
            .topK(query, k: 50, options: SearchOptions(method: .exact, threads: 1))
        // Same rows; scores within f16's rounding (about 1e-4 for 384-d unit vectors).
        #expect(Set(a.prefix(40).map(\.row)).isSubset(of: Set(b.map(\.row))))
        let scores = Dictionary(uniqueKeysWithValues: b.map { ($0.row, $0.score) })
        for entry in a { if let s = scores[entry.row] { #expect(abs(s - entry.score) < 5e-4) } }
        // And int8 + rescoring over f16 rows gives exactly the f16 exact ranking.
        let (c, _) = VectorSearch(master: f16.master, codes: f16.codes, live: allLive(count))
            .topK(query, k: 50, options: SearchOptions(method: .quantized, threads: 1))
        #expect(c == b)
    }

    @Test func rowsWithoutInt8CodesAreScannedExactly() throws {
        let temp = try TemporaryDirectory()
        let (dimension, count) = (32, 3_000)
        let vectors = randomUnitVectors(count: count, dimension: dimension, seed: 8)
        let (master, _) = try writeSegments(vectors, dimension: dimension, storage: .f32, in: temp.url)
        // Codes for the first 1000 rows only, as an index written before codes existed and
        // extended since would have... or none at all.
        let short = try writeSegments(Array(vectors[0..<(1_000 * dimension)]), dimension: dimension,
                                      storage: .f32, in: temp.url, name: "short")
        let query = Array(vectors[(2_500 * dimension)..<(2_501 * dimension)])
        let (exact, _) = VectorSearch(master: master, codes: nil, live: allLive(count))
            .topK(query, k: 10, options: SearchOptions(method: .exact, threads: 1))
        let (mixed, statistics) = VectorSearch(master: master, codes: short.codes, live: allLive(count))
            .topK(query, k: 10, options: SearchOptions(threads: 1))
        #expect(mixed == exact)
        #expect(exact.first?.row == 2_500)
        #expect(statistics.quantizedRows == 1_000 && statistics.exactRows == 2_000)
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

    /// A service scans its concurrent queries in one pass: each must get exactly its own answer,
    /// whatever its k, filter and the rows without int8 codes.
    @Test func aBatchOfQueriesGetsWhatEachGetsAlone() throws {
        let temp = try TemporaryDirectory()
        let (dimension, count) = (96, 20_000)
        let vectors = randomUnitVectors(count: count, dimension: dimension, seed: 5)
        // int8 codes for the first 15 000 rows only: the rest is scanned exactly.
        let (master, _) = try writeSegments(vectors, dimension: dimension, storage: .f32, in: temp.url, name: "all")
        let (_, codes) = try writeSegments(Array(vectors[0..<(15_000 * dimension)]), dimension: dimension,
                                           storage: .f32, in: temp.url, name: "coded")
        var live = LiveRows()
        live.update(rowCount: count, tombstones: [Tombstone(seq: 1, rows: 100..<200)])
        let search = VectorSearch(master: master, codes: codes, live: live)
        var odd = RowSet(rowCount: count)
        for row in stride(from: 1, to: count, by: 2) { odd.insert(row..<(row + 1)) }
        let queries = randomUnitVectors(count: 12, dimension: dimension, seed: 9)
        let requests = (0..<12).map { q in
            // Some queries are a stored row (many near ties at the top), some noise.
            let query = q % 3 == 0 ? Array(vectors[(q * 997 * dimension)..<((q * 997 + 1) * dimension)])
                                   : Array(queries[(q * dimension)..<((q + 1) * dimension)])
            return VectorSearch.Request(query: query, k: [0, 1, 10, 40][q % 4], rows: q % 5 == 1 ? odd : nil)
        }
        for method in SearchOptions.Method.allCases {
            for threads in [1, 2] {
                let options = SearchOptions(method: method, threads: threads, rowsPerThread: 4_000)
                let together = search.topK(requests, options: options)
                for (request, (got, _)) in zip(requests, together) {
                    let (alone, _) = search.topK(request.query, k: request.k, options: options, rows: request.rows)
                    #expect(got == alone, "\(method), \(threads) threads, k \(request.k)")
                    #expect(got.count == request.k)
                    if request.rows != nil { #expect(got.allSatisfy { $0.row % 2 == 1 }) }
                }
            }
        }
    }

    @Test(arguments: TestStore.allCases) func searchReturnsPathsScoresAndModalitiesBestFirst(store: TestStore) throws {
        let f = try Fixture(dimension: 384, store: store)
        for i in 0..<30 { try f.photo("p\(i).png", "picture \(i)") }
        _ = try f.index()
        let query = hashVector(Array("picture 7".utf8), dimension: 384)
        let hits = try f.engine.reader().search(query, limit: 5)
        #expect(hits.count == 5)
        #expect(hits.first?.path == f.photos.path + "/p7.png")
        #expect(hits.allSatisfy { $0.modality == .image && $0.part == nil })
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(try f.engine.reader().search(query, limit: 100).count == 30)
    }

    @Test(arguments: TestStore.allCases) func aTextQueryIsEmbeddedWithThePacksTextEncoder(store: TestStore) throws {
        let f = try Fixture(store: store)
        let note = try f.photo("note.jpg", "a dog on a beach")
        try f.photo("other.jpg", "something else")
        _ = try f.index()
        let hits = try f.engine.search(.text("a dog on a beach"), limit: 2)
        #expect(hits.first?.path == note)
        #expect(abs((hits.first?.score ?? 0) - 1) < 1e-5)
    }

    @Test(arguments: TestStore.allCases) func aFileQueryFindsItselfFirst(store: TestStore) throws {
        let f = try Fixture(store: store)
        let cat = try f.photo("cat.jpg", "cat pixels")
        try f.photo("dog.jpg", "dog pixels")
        _ = try f.index()
        let hits = try f.engine.search(.file(URL(fileURLWithPath: cat)), limit: 10)
        #expect(hits.map(\.path).first == cat)
    }
}

/// Searching for some modalities only: text chunks and photos in one index.
@Suite struct ModalityFilterTests {
    @Test(arguments: TestStore.allCases) func aSearchCanAskForSomeModalitiesOnlyAndStillGetsTheBestOfThem(store: TestStore) throws {
        let f = try Fixture(chunking: wordChunking, store: store)
        // The text file matches the query exactly; the photos only a little.
        let notes = try f.photo("notes.txt", "a cup of coffee")
        for i in 0..<12 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        let query = Query.text("a cup of coffee")
        #expect(try f.engine.search(query, limit: 1).first?.path == notes)
        let images = try f.engine.search(query, limit: 5, options: SearchOptions(modalities: [.image]))
        #expect(images.count == 5 && images.allSatisfy { $0.modality == .image })
        let unfiltered = try f.engine.search(query, limit: 13)
        #expect(images.map(\.path) == Array(unfiltered.filter { $0.modality == .image }.prefix(5)).map(\.path))
        for method in SearchOptions.Method.allCases {
            let text = try f.engine.search(query, limit: 5, options: SearchOptions(method: method, modalities: [.text]))
            #expect(text.map(\.path) == [notes], "\(method)")
        }
        #expect(try f.engine.search(query, limit: 5, options: SearchOptions(modalities: [.audio])).isEmpty)
    }

    @Test func tagsFollowCopiesAndCompactionAndAreRebuiltWhenMissing() throws {
        let f = try Fixture(chunking: wordChunking)
        let notes = try f.photo("notes.txt", "some words")
        try f.photo("a.jpg", "a")
        _ = try f.index()
        let copy = f.photos.path + "/copy.txt"
        try FileManager.default.copyItem(atPath: notes, toPath: copy)
        try FileManager.default.removeItem(atPath: f.photos.path + "/a.jpg")
        try f.photo("b.jpg", "b")
        _ = try f.index()
        let textOnly = SearchOptions(modalities: [.text])
        #expect(Set(try f.engine.search(.text("some words"), limit: 5, options: textOnly).map(\.path)) == [notes, copy])
        _ = try f.engine.index.compact()
        #expect(Set(try f.engine.search(.text("some words"), limit: 5, options: textOnly).map(\.path)) == [notes, copy])
        // Without a tag file (an index from before tags), readers ask the catalog, and the
        // next run writes the file again.
        let tags = try #require(try f.segmentFiles().first { $0.hasSuffix(".tags") })
        try FileManager.default.removeItem(atPath: f.indexDirectory.path + "/vectors/" + tags)
        #expect(try f.engine.search(.text("b"), limit: 5, options: SearchOptions(modalities: [.image])).map(\.path)
                == [f.photos.path + "/b.jpg"])
        _ = try f.index()
        #expect(FileManager.default.fileExists(atPath: f.indexDirectory.path + "/vectors/" + tags))
        #expect(Set(try f.engine.search(.text("some words"), limit: 5, options: textOnly).map(\.path)) == [notes, copy])
    }
}

/// A file of several chunks (text paragraphs, transcript passages) is one result, by its best
/// chunk, unless every chunk is asked for.
@Suite struct OneResultPerFileTests {
    /// Six one-paragraph chunks in `notes.md` (each says "storm", the word the hybrid search
    /// looks for) and eight photos (so that "storm" is in fewer than half of the keyword
    /// index's parts, see `TextSearchIndex.weakestScore`).
    static func fixture(_ store: TestStore) throws -> (Fixture, notes: String) {
        let f = try Fixture(chunking: wordChunking, store: store)
        let paragraphs = (0..<6).map { "storm report number \($0) here" }
        let notes = try f.photo("notes.md", paragraphs.joined(separator: "\n\n"))
        for i in 0..<8 { try f.photo("p\(i).jpg", "photo \(i)") }
        _ = try f.index()
        return (f, notes)
    }

    @Test(arguments: TestStore.allCases) func eachFileComesOnceWithItsBestChunkAndTheLimitCountsFiles(store: TestStore) throws {
        let (f, notes) = try Self.fixture(store)
        let query = Query.text("storm report number 4 here")
        var every = SearchOptions()
        every.allChunks = true
        let chunks = try f.engine.search(query, limit: 100, options: every)
        #expect(chunks.count == 14)
        #expect(chunks.filter { $0.path == notes }.count == 6)

        for limit in [1, 2, 4, 9, 20] {
            let files = try f.engine.search(query, limit: limit)
            #expect(files.count == min(limit, 9), "limit \(limit)")
            #expect(Set(files.map(\.path)).count == files.count, "a file twice with limit \(limit)")
            // The order and scores are those of each file's first chunk in the chunk ranking.
            var firsts: [SearchHit] = []
            for hit in chunks where !firsts.contains(where: { $0.path == hit.path }) { firsts.append(hit) }
            #expect(files == Array(firsts.prefix(limit)), "limit \(limit)")
        }
        let best = try #require(try f.engine.search(query, limit: 1).first)
        #expect(best.path == notes && best.part?.text == "storm report number 4 here")
        #expect(abs(best.score - 1) < 1e-5)
    }

    @Test(arguments: TestStore.allCases) func hybridSearchAlsoGivesEachFileOnce(store: TestStore) throws {
        let (f, notes) = try Self.fixture(store)
        var options = SearchOptions()
        options.hybrid = true
        let files = try f.engine.search(.text("storm"), limit: 9, options: options)
        #expect(files.count == 9 && Set(files.map(\.path)).count == 9)
        #expect(files.first?.path == notes && files.first?.fusion?.keywordRank != nil)
        options.allChunks = true
        let chunks = try f.engine.search(.text("storm"), limit: 100, options: options)
        #expect(chunks.filter { $0.path == notes }.count == 6)
    }

    /// `Engine.search(_:in:)`, as a service runs concurrent text queries, answers each as it
    /// is answered alone: every option, and an error fails only its own search.
    @Test(arguments: TestStore.allCases) func textSearchesRunTogetherGetWhatEachGetsAlone(store: TestStore) throws {
        let (f, _) = try Self.fixture(store)
        var every = SearchOptions(threads: 1)
        every.allChunks = true
        var hybrid = SearchOptions(threads: 1)
        hybrid.hybrid = true
        var labelled = SearchOptions(threads: 1)
        labelled.labels = ["no such label"]
        let searches = [
            TextSearch("storm report number 4 here", limit: 3, options: SearchOptions(threads: 1)),
            TextSearch("photo 2", limit: 5, options: SearchOptions(threads: 1, modalities: [.image])),
            TextSearch("storm", limit: 100, options: every),
            TextSearch("storm", limit: 9, options: hybrid),
            TextSearch("storm report number 2 here", limit: 10, options: SearchOptions(threads: 1, minimumScore: 0.99)),
            TextSearch("photo 7", limit: 0, options: SearchOptions(threads: 1)),
            TextSearch("photo 3", limit: 4, options: labelled),
            TextSearch("photo 3", limit: 4, options: SearchOptions(method: .exact, threads: 1)),
        ]
        let reader = try f.engine.reader()
        let together = f.engine.search(searches, in: reader)
        #expect(together.count == searches.count)
        for (search, result) in zip(searches, together) {
            let alone = Result { try f.engine.search(QueryExpression(.text(search.text)), limit: search.limit,
                                                     options: search.options, in: reader) }
            switch (result, alone) {
            case (.success(let got), .success(let expected)):
                #expect(got == expected, "\(search.text)")
            case (.failure(let got), .failure(let expected)):
                #expect(String(describing: got) == String(describing: expected), "\(search.text)")
            default:
                Issue.record("\(search.text): \(result) together, \(alone) alone")
            }
        }
        #expect((try? together[6].get()) == nil, "an unknown label is an error")
        #expect((try? together[0].get())?.isEmpty == false)
    }

    @Test(arguments: TestStore.allCases) func theMinimumScoreAndFiltersStillApply(store: TestStore) throws {
        let (f, notes) = try Self.fixture(store)
        let query = Query.text("storm report number 2 here")
        let strict = try f.engine.search(query, limit: 10, options: SearchOptions(minimumScore: 0.99))
        #expect(strict.map(\.path) == [notes])
        let photos = try f.engine.search(query, limit: 10, options: SearchOptions(modalities: [.image]))
        #expect(photos.count == 8 && photos.allSatisfy { $0.modality == .image })
    }
}
