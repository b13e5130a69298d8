import Foundation
import Testing
import MMTestSupport
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Zero-shot labelling: prompt ensembling, the softmax, label lists, and stored labels.
@Suite struct ZeroShotTests {
    @Test(arguments: TestStore.allCases) func theBestLabelIsTheOneWhosePromptMatchesAndProbabilitiesAddUpToOne(store: TestStore) throws {
        let f = try Fixture(store: store)
        let photo = try f.photo("pet.jpg", "dog")
        let classifier = try f.engine.classifier(labels: ["cat", "dog", "car"], templates: ["{}"], temperature: 0.05)
        let scores = try f.engine.label(URL(fileURLWithPath: photo), with: classifier)
        #expect(scores.map(\.label).first == "dog")
        #expect(scores.count == 3)
        #expect(abs(scores.reduce(0) { $0 + $1.probability } - 1) < 1e-5)
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0.probability >= $1.probability }, "best first")
        #expect(scores[0].probability > 0.99, "cosine 1 against about 0 at T = 0.05")
    }

    @Test func aLabelsVectorIsTheRenormalisedMeanOfItsTemplatesVectors() throws {
        let pack = try testPack()
        let text = try #require(pack.encoder(for: .text))
        let classifier = try ZeroShotClassifier(labels: ["dog"], templates: ["a photo of a {}.", "{}"], temperature: 1,
                                                textEncoder: text)
        let d = pack.space.dimension
        let a = hashVector(Array("a photo of a dog.".utf8), dimension: d), b = hashVector(Array("dog".utf8), dimension: d)
        let mean = zip(a, b).map { ($0 + $1) / 2 }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for (x, y) in zip(classifier.labelVectors[0], mean) { #expect(abs(x - y / norm) < 1e-5) }
    }

    @Test(arguments: TestStore.allCases) func aLowerTemperatureSharpensTheDistribution(store: TestStore) throws {
        let f = try Fixture(store: store)
        let text = try #require(f.pack.encoder(for: .text))
        let vector = try QueryExpression.combine([hashVector(Array("dog".utf8), dimension: 24),
                                                  hashVector(Array("cat".utf8), dimension: 24)], weights: [0.6, 0.4])
        let soft = try ZeroShotClassifier(labels: ["dog", "cat"], templates: ["{}"], temperature: 1, textEncoder: text)
        let sharp = try ZeroShotClassifier(labels: ["dog", "cat"], templates: ["{}"], temperature: 0.01, textEncoder: text)
        let softTop = soft.classify(vector)[0], sharpTop = sharp.classify(vector)[0]
        #expect(softTop.label == "dog" && sharpTop.label == "dog")
        #expect(softTop.probability < 0.6 && sharpTop.probability > 0.99)
        let logits: [Float] = [1000, 999, -1000]
        let p = ZeroShotClassifier.softmax(logits)
        #expect(p.allSatisfy(\.isFinite) && abs(p[0] - 1 / (1 + exp(-1))) < 1e-4, "no overflow on large logits")
    }

    @Test func badLabelListsAndTemplatesAreUsageErrors() throws {
        let temp = try TemporaryDirectory()
        #expect(try ZeroShotClassifier.parseList(" cat , dog ") == ["cat", "dog"])
        for bad in ["", "cat,,dog", "cat,cat"] {
            #expect(throws: MMSearchError.self, "\(bad)") { try ZeroShotClassifier.parseList(bad) }
        }
        try temp.write("labels.txt", "# animals\ncat\n\n dog \n")
        #expect(try ZeroShotClassifier.readList(temp.sub("labels.txt")) == ["cat", "dog"])
        try temp.write("empty.txt", "# nothing\n\n")
        do {
            _ = try ZeroShotClassifier.readList(temp.sub("empty.txt"))
            Issue.record("an empty labels file was accepted")
        } catch let error as MMSearchError {
            #expect(error.kind == .usage && error.message.contains("empty.txt"))
        }
        #expect(throws: MMSearchError.self) { try ZeroShotClassifier.readList(temp.sub("missing.txt")) }
        let f = try Fixture()
        #expect(throws: MMSearchError.self, "template without {}") {
            try f.engine.classifier(labels: ["cat"], templates: ["a photo"])
        }
        #expect(throws: MMSearchError.self, "zero temperature") {
            try f.engine.classifier(labels: ["cat"], temperature: 0)
        }
    }

    @Test func labelAllStoresTheBestLabelsAndQueriesFilterByThem() throws {
        // 256-d: unrelated hash vectors have cosines near 0, so no label stands out for x.jpg.
        let f = try Fixture(dimension: 256)
        try f.photo("d1.jpg", "dog")
        try f.photo("d2.jpg", "dog")
        try f.photo("c1.jpg", "cat")
        try f.photo("x.jpg", "a plate of food")
        _ = try f.index()
        let classifier = try f.engine.classifier(labels: ["dog", "cat"], templates: ["{}"], temperature: 0.2)
        let summary = try f.engine.labelAll(with: classifier, policy: LabelPolicy(minimumProbability: 0.9))
        #expect(summary.items == 4 && summary.counts == ["dog": 2, "cat": 1])
        var options = SearchOptions()
        options.labels = ["dog"]
        let dogs = try f.engine.search(.text("a plate of food"), limit: 10, options: options)
        #expect(Set(dogs.map { URL(fileURLWithPath: $0.path).lastPathComponent }) == ["d1.jpg", "d2.jpg"])
        #expect(dogs.allSatisfy { $0.labels.map(\.label) == ["dog"] })
        options.labels = ["zebra"]
        do {
            _ = try f.engine.search(.text("x"), limit: 10, options: options)
            Issue.record("an unknown label was accepted")
        } catch let error as MMSearchError {
            #expect(error.kind == .usage && error.message.contains("zebra") && error.message.contains("cat, dog"))
        }
    }

    @Test(arguments: TestStore.allCases) func aChangedFileLosesItsLabelsAndRelabellingReplacesThem(store: TestStore) throws {
        let f = try Fixture(store: store)
        try f.photo("pet.jpg", "dog", mtime: Date(timeIntervalSince1970: 1_000))
        _ = try f.index()
        let classifier = try f.engine.classifier(labels: ["dog", "cat"], templates: ["{}"], temperature: 0.05)
        _ = try f.engine.labelAll(with: classifier)
        #expect(try f.engine.index.store.counts(of: try #require(try f.engine.index.space(matching: f.pack.space))).labels.map(\.label) == ["dog"])
        try f.photo("pet.jpg", "cat", mtime: Date(timeIntervalSince1970: 2_000))
        _ = try f.index()
        #expect(try f.engine.index.store.counts(of: try #require(try f.engine.index.space(matching: f.pack.space))).labels.isEmpty, "labels described the old content")
        _ = try f.engine.labelAll(with: classifier)
        #expect(try f.engine.index.store.counts(of: try #require(try f.engine.index.space(matching: f.pack.space))).labels.map(\.label) == ["cat"])
    }

    @Test func describePicksTheVocabularyWordsClosestToAFileAndCachesTheirVectors() throws {
        let counter = CallCounter()
        let f = try Fixture(counter: counter)
        let photo = try f.photo("z.jpg", "a photo of a zebra.")
        let words = ["apple", "zebra", "bridge", "zebra crossing"]
        let cache = VectorCache(directory: f.temp.sub("cache"))
        let best = try f.engine.describe(URL(fileURLWithPath: photo), limit: 2, words: words, cache: cache)
        #expect(best.first?.word == "zebra" && (best.first?.score ?? 0) > 0.99)
        #expect(best.count == 2)
        let textCalls = counter.names.filter { $0.hasPrefix("text: ") }.count
        #expect(textCalls == words.count)
        _ = try f.engine.describe(URL(fileURLWithPath: photo), limit: 2, words: words, cache: cache)
        #expect(counter.names.filter { $0.hasPrefix("text: ") }.count == textCalls, "second run reads the cache")
        let builtIn = try DescribeVocabulary.builtInWords()
        #expect(builtIn.count > 1_000)
        #expect(Set(builtIn).count == builtIn.count)
    }
}
