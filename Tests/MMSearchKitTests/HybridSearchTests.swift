import Foundation
import Testing
import MMTestSupport
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Hybrid search: the FTS5 keyword index kept in step with the catalog, and rank fusion.
@Suite struct HybridSearchTests {
    func names(_ hits: [SearchHit]) -> [String] { hits.map { URL(fileURLWithPath: $0.path).lastPathComponent } }

    @Test func pathWordsAreCutWhereLettersMeetDigitsAndCaseChanges() {
        #expect(SearchWords.words("IMG2041") == ["img2041", "img", "2041"])
        #expect(SearchWords.words("/p/invoice-8841.jpg") == ["p", "invoice", "8841", "jpg"])
        #expect(SearchWords.words("myHolidayPhotos") == ["myholidayphotos", "my", "holiday", "photos"])
        #expect(SearchWords.matchExpression(["8841 \"x"]) == "\"8841\" OR \"x\"")
        #expect(SearchWords.matchExpression(["--- ..."]) == nil)
    }

    @Test func reciprocalRankFusionAddsOneOverSixtyPlusRank() {
        let fused = HybridSearch.fuse(vector: [10, 11, 12], keyword: [12, 13], limit: 10)
        #expect(fused.map(\.row) == [12, 10, 11, 13])
        let top = fused[0].ranks
        #expect(top.vectorRank == 3 && top.keywordRank == 1)
        #expect(abs(top.score - (1 / 63.0 + 1 / 61.0)) < 1e-12)
        #expect(fused[3].ranks.vectorRank == nil && abs(fused[3].ranks.score - 1 / 62.0) < 1e-12)
        #expect(HybridSearch.fuse(vector: [1, 2, 3], keyword: [], limit: 2).map(\.row) == [1, 2])
    }

    @Test(arguments: TestStore.allCases) func anExactNumberInAFileNameIsFoundThoughTheVectorsMissIt(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<30 { try f.photo("photo-\(i).jpg", "holiday picture \(i)") }
        try f.photo("invoice-8841.jpg", "a scanned paper")
        _ = try f.index()
        let dense = try f.engine.search(.text("8841"), limit: 3)
        try #require(!names(dense).contains("invoice-8841.jpg"), "the vector ranking must miss it for this test")
        var options = SearchOptions()
        options.hybrid = true
        let hybrid = try f.engine.search(.text("8841"), limit: 3, options: options)
        #expect(names(hybrid).first == "invoice-8841.jpg")
        #expect(hybrid.first?.fusion?.keywordRank == 1)
        // Scores stay cosine similarities.
        let vector = hashVector(Array("8841".utf8), dimension: 24)
        let stored = hashVector(Array("a scanned paper".utf8), dimension: 24)
        #expect(abs((hybrid.first?.score ?? 9) - zip(vector, stored).reduce(0) { $0 + $1.0 * $1.1 }) < 1e-3)
    }

    @Test(arguments: TestStore.allCases) func theKeywordIndexFollowsMovesDeletionsLabelsAndTextChunks(store: TestStore) throws {
        let f = try Fixture(chunking: wordChunking, store: store)
        try f.photo("receipt-77.jpg", "paper one")
        try f.photo("other.jpg", "paper two")
        try f.photo("doc.txt", "The quartermaster ordered supplies.")
        _ = try f.index()
        var options = SearchOptions()
        options.hybrid = true
        func keywordHits(_ text: String) throws -> [String] {
            names(try f.engine.search(.text(text), limit: 5, options: options).filter { $0.fusion?.keywordRank != nil })
        }
        #expect(try keywordHits("77") == ["receipt-77.jpg"])
        #expect(try keywordHits("quartermaster") == ["doc.txt"])
        try FileManager.default.moveItem(at: f.photos.appendingPathComponent("receipt-77.jpg"),
                                         to: f.photos.appendingPathComponent("bill-99.jpg"))
        _ = try f.index()
        #expect(try keywordHits("77").isEmpty)
        #expect(try keywordHits("99") == ["bill-99.jpg"])
        try FileManager.default.removeItem(at: f.photos.appendingPathComponent("bill-99.jpg"))
        _ = try f.index()
        #expect(try keywordHits("99").isEmpty)
        let classifier = try f.engine.classifier(labels: ["sunset", "mountain"], templates: ["{}"], temperature: 0.05)
        _ = try f.engine.labelAll(with: classifier, policy: LabelPolicy(minimumProbability: 0))
        #expect(try keywordHits("sunset").count + keywordHits("mountain").count == 1, "other.jpg by its label")
    }

    @Test(arguments: TestStore.allCases) func aWordEveryPathHoldsRanksNothing(store: TestStore) throws {
        let f = try Fixture(store: store)
        for i in 0..<10 { try f.photo("trip/p\(i).jpg", "holiday picture \(i)") }
        try f.photo("home/tripod.jpg", "a camera stand")
        _ = try f.index()
        var options = SearchOptions()
        options.hybrid = true
        // "trip" is in 10 of 11 paths: a match on it alone says nothing about a file.
        let common = try f.engine.search(.text("trip"), limit: 11, options: options)
        #expect(common.count == 11 && common.allSatisfy { $0.fusion?.keywordRank == nil })
        // A rare word still ranks its file first, also when a common word comes with it.
        let rare = try f.engine.search(.text("trip p7"), limit: 3, options: options)
        #expect(names(rare).first == "p7.jpg" && rare.first?.fusion?.keywordRank == 1)
        #expect(rare.dropFirst().allSatisfy { $0.fusion?.keywordRank == nil })
    }

    @Test(arguments: TestStore.allCases) func hybridSearchHonoursTheFilters(store: TestStore) throws {
        let f = try Fixture(store: store)
        try f.photo("a/code-123.jpg", "x")
        try f.photo("b/code-123.jpg", "y")
        _ = try f.index()
        var options = SearchOptions()
        options.hybrid = true
        options.directories = [f.photos.appendingPathComponent("b").path]
        let hits = try f.engine.search(.text("123"), limit: 5, options: options)
        #expect(hits.map(\.path) == [f.photos.appendingPathComponent("b/code-123.jpg").path])
    }
}

/// An index from before labels and the keyword index gains both when next written, with the
/// keyword index filled from what the catalog already holds.
@Suite struct KeywordIndexUpgradeTests {
    @Test func upgradingAnOlderIndexBackfillsTheKeywordIndexFromItsFilesAndChunks() throws {
        let f = try Fixture(chunking: wordChunking)
        try f.photo("receipt-77.jpg", "paper")
        try f.photo("doc.txt", "The quartermaster ordered supplies.")
        _ = try f.index()
        // Make it an index from before the two migrations.
        do {
            let catalog = try StoreInternals(f.indexDirectory).catalog
            try catalog.pool.write { db in
                for trigger in ["file_insert", "file_update", "file_delete", "chunk_insert", "chunk_delete"] {
                    try db.execute(sql: "DROP TRIGGER text_search_\(trigger)")
                }
                try db.execute(sql: "DROP TABLE text_search")
                try db.execute(sql: "DROP TABLE label")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN (?, ?)",
                               arguments: [CatalogSchema.labelsMigration, CatalogSchema.keywordsMigration])
            }
        }
        #expect(throws: MMSearchError.self, "a reader asks for an index run first") { try f.engine.reader() }
        let (summary, _) = try f.index()
        #expect(summary.indexed == 0, "the upgrade embeds nothing")
        var options = SearchOptions()
        options.hybrid = true
        for (word, name) in [("77", "receipt-77.jpg"), ("quartermaster", "doc.txt")] {
            let hits = try f.engine.search(.text(word), limit: 1, options: options)
            #expect(hits.first?.path.hasSuffix("/" + name) == true && hits.first?.fusion?.keywordRank == 1, "\(word)")
        }
    }
}
