import Foundation
import MMBuiltins
import MMSearchKit
import MMTestSupport
import Testing

/// The search features with the real `lite` pack on Media/ and the notes in
/// Tests/Fixtures/notes (Scripts/fixtures/make_notes_fixtures.sh): image → text, zero-shot
/// labels and their temperature, describe, and the evaluation numbers.
@Suite(.serialized)
struct LiteSearchFeaturesTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")
    static let notes = TestPaths.fixture("notes")

    static let pack = Result { try LitePack.load(modelsDirectory: TestPaths.models) }

    /// Media/ and the notes, indexed once for the suite in each store.
    static let indexes = Locked<[TestStore: Result<(engine: Engine, directory: ScratchDirectory), Error>]>([:])

    static func indexed(_ store: TestStore) throws -> (engine: Engine, directory: ScratchDirectory) {
        try indexes.withLock { cache in
            if let known = cache[store] { return try known.get() }
            let made = Result {
                let directory = try ScratchDirectory("e2e-features")
                let engine = Engine(pack: try pack.get(), index: try store.newIndex(folder: directory.url))
                _ = try engine.index(roots: [media, notes])
                return (engine: engine, directory: directory)
            }
            cache[store] = made
            return try made.get()
        }
    }

    /// Each Media/ photo's subject, as a label.
    static let subjects: [String: String] = [
        "airplane.jpg": "airplane", "bear.jpg": "bear", "bee-on-aster.jpg": "bee", "boats-on-lake.jpg": "boat",
        "bridge-at-night.jpg": "bridge", "camel.jpg": "camel", "car-convertible.jpg": "car", "castle.jpg": "castle",
        "cat-chelsea.png": "cat", "citrus-slices.jpg": "lemon", "coffee-cup.jpg": "coffee",
        "computer-circuit-board.jpg": "circuit board", "dinner-table.jpg": "dinner table", "dog-samoyeds.jpg": "dog",
        "duck.jpg": "duck", "elephant.jpg": "elephant", "fire-truck.jpg": "fire truck", "flamingo.jpg": "flamingo",
        "flower-yellow.jpg": "flower", "guitar.jpg": "guitar", "horse.jpg": "horse", "hot-air-balloon.png": "balloon",
        "ladybird.jpg": "ladybird", "mince-pie.jpg": "pie", "motorcycle.png": "motorcycle", "mountains.jpg": "mountain",
        "palace.jpg": "palace", "rocket-launch.jpg": "rocket", "shore-at-dusk.jpg": "beach", "squirrel.jpg": "squirrel",
        "strawberry.png": "strawberry", "tiger-in-snow.jpg": "tiger", "truck-pickup.jpg": "pickup truck", "zebra.jpg": "zebra",
    ]

    @Test(arguments: TestStore.allCases, [("zebra.jpg", "safari-diary.md", "zebras"), ("coffee-cup.jpg", "kitchen-notes.txt", "coffee"),
                                          ("hot-air-balloon.png", "travel-plans.md", "balloon")])
    func aPhotoFindsTheTextAboutItWithItsSnippet(store: TestStore, example: (String, String, String)) throws {
        let (photo, file, word) = example
        let engine = try Self.indexed(store).engine
        var options = SearchOptions()
        options.modalities = [.text]
        // The texts are the notes (Media/LICENSES.md is left out by Media/.mmsearchignore).
        options.directories = [Self.notes.path]
        let hits = try engine.search(.file(Self.media.appendingPathComponent(photo)), limit: 3, options: options)
        let best = try #require(hits.first)
        print("\(photo) → \(URL(fileURLWithPath: best.path).lastPathComponent) \(best.score): \(best.part?.part.snippet() ?? "")")
        #expect(best.path.hasSuffix("/" + file))
        #expect(best.part?.part.snippet().contains(word) == true)
        #expect(hits.allSatisfy { $0.modality == .text })
    }

    /// Each Media/ photo's broad category: a harder labelling than the subjects, so that the
    /// softmax's temperature can be fitted (with the subjects the pack is always right, and
    /// the log-loss only keeps falling as T → 0).
    static let categories: [String: String] = [
        "airplane.jpg": "a vehicle", "bear.jpg": "an animal", "bee-on-aster.jpg": "an animal", "boats-on-lake.jpg": "a vehicle",
        "bridge-at-night.jpg": "a building", "camel.jpg": "an animal", "car-convertible.jpg": "a vehicle",
        "castle.jpg": "a building", "cat-chelsea.png": "an animal", "citrus-slices.jpg": "food", "coffee-cup.jpg": "food",
        "computer-circuit-board.jpg": "an electronic device", "dinner-table.jpg": "food", "dog-samoyeds.jpg": "an animal",
        "duck.jpg": "an animal", "elephant.jpg": "an animal", "fire-truck.jpg": "a vehicle", "flamingo.jpg": "an animal",
        "flower-yellow.jpg": "a flower", "guitar.jpg": "a musical instrument", "horse.jpg": "an animal",
        "hot-air-balloon.png": "a vehicle", "ladybird.jpg": "an animal", "mince-pie.jpg": "food",
        "motorcycle.png": "a vehicle", "mountains.jpg": "a landscape", "palace.jpg": "a building",
        "rocket-launch.jpg": "a vehicle", "shore-at-dusk.jpg": "a landscape", "squirrel.jpg": "an animal",
        "strawberry.png": "food", "tiger-in-snow.jpg": "an animal", "truck-pickup.jpg": "a vehicle", "zebra.jpg": "an animal",
    ]

    /// Every Media/ photo's cosines with `labels` (default templates) and its true label's index.
    func cosines(_ truth: [String: String]) throws -> [(truth: Int, scores: [Float])] {
        let engine = try Self.indexed(.embedded).engine
        let labels = Array(Set(truth.values)).sorted()
        let reader = try engine.reader()
        let classifier = try engine.classifier(labels: labels, temperature: 1)
        var out: [(truth: Int, scores: [Float])] = []
        for item in try reader.items() where item.modality == .image {
            let name = URL(fileURLWithPath: item.path).lastPathComponent
            guard let label = truth[name], let index = labels.firstIndex(of: label),
                  let vector = try reader.vector(of: item) else { continue }
            out.append((index, classifier.labelVectors.map { zip($0, vector).reduce(0) { $0 + $1.0 * $1.1 } }))
        }
        return out
    }

    @Test func zeroShotLabelsNameThePhotosAndTheDefaultTemperatureIsFittedOnMedia() throws {
        func accuracy(_ c: [(truth: Int, scores: [Float])]) -> Int {
            c.filter { c in c.scores.indices.max(by: { c.scores[$0] < c.scores[$1] }) == c.truth }.count
        }
        func nll(_ c: [(truth: Int, scores: [Float])], _ t: Float) -> Double {
            c.reduce(0.0) { sum, c in
                let p = ZeroShotClassifier.softmax(c.scores.map { $0 / t })
                return sum - log(Double(max(p[c.truth], 1e-30)))
            } / Double(c.count)
        }
        let subjects = try cosines(Self.subjects)
        #expect(subjects.count == Self.subjects.count)
        #expect(Double(accuracy(subjects)) / Double(subjects.count) >= 0.8)
        let categories = try cosines(Self.categories)
        let grid: [Float] = [0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.04, 0.05, 0.07, 0.1]
        let best = grid.min { nll(categories, $0) < nll(categories, $1) } ?? 0
        print("lite zero-shot on Media: subjects top-1 \(accuracy(subjects))/\(subjects.count); categories top-1 "
              + "\(accuracy(categories))/\(categories.count), NLL by T: "
              + grid.map { String(format: "%.4f:%.3f", $0, nll(categories, $0)) }.joined(separator: " ") + "; best T \(best)")
        let chosen = try Self.pack.get().labelTemperature
        #expect(nll(categories, chosen) <= nll(categories, best) * 1.1, "the default T is the fitted one")
    }

    @Test(arguments: TestStore.allCases) func labellingAFileAndTheIndexFiltersQueries(store: TestStore) throws {
        let engine = try Self.indexed(store).engine
        let classifier = try engine.classifier(labels: ["cat", "dog", "car"])
        let scores = try engine.label(Self.media.appendingPathComponent("cat-chelsea.png"), with: classifier)
        print("cat-chelsea.png: " + scores.map { "\($0.label) \($0.probability)" }.joined(separator: ", "))
        #expect(scores.first?.label == "cat")
        let summary = try engine.labelAll(with: try engine.classifier(labels: ["an animal", "a vehicle", "food"]))
        print("label --all: \(summary)")
        var options = SearchOptions()
        options.labels = ["a vehicle"]
        let vehicles = try engine.search(.text("something red"), limit: 50, options: options)
        let names = vehicles.map { URL(fileURLWithPath: $0.path).lastPathComponent }
        #expect(names.contains("fire-truck.jpg") && !names.contains("zebra.jpg"))
    }

    @Test func describeNamesTheSubjectOfAPhoto() throws {
        let engine = try Self.indexed(.embedded).engine
        let cache = try ScratchDirectory("e2e-describe-cache")
        let start = Date()
        let words = try engine.describe(Self.media.appendingPathComponent("zebra.jpg"), limit: 5,
                                        cache: VectorCache(directory: cache.url))
        print("describe zebra.jpg (\(String(format: "%.1f", Date().timeIntervalSince(start))) s with the vocabulary): "
              + words.map { "\($0.word) \($0.score)" }.joined(separator: ", "))
        #expect(words.map(\.word).contains("zebra"))
    }

    @Test(arguments: TestStore.allCases) func cutoffAutoKeepsClearMatchesAndStopsEarlyForAVagueQuery(store: TestStore) throws {
        let engine = try Self.indexed(store).engine
        var options = SearchOptions()
        options.modalities = [.image]
        options.cutoff = AutomaticCutoff()
        let zebra = try engine.search(.text("a zebra"), limit: 10, options: options)
        print("--cutoff auto \"a zebra\": " + zebra.map { "\(URL(fileURLWithPath: $0.path).lastPathComponent) \($0.score)" }.joined(separator: ", "))
        #expect(!zebra.isEmpty && zebra.first?.path.hasSuffix("/zebra.jpg") == true)
        #expect(zebra.count <= 2)
        let vague = try engine.search(.text("weather tomorrow"), limit: 10, options: options)
        options.cutoff = nil
        let plain = try engine.search(.text("weather tomorrow"), limit: 10, options: options)
        print("--cutoff auto \"weather tomorrow\": \(vague.count) results, top 10 without: \(plain.count)")
        #expect(plain.count == 10 && vague.count < plain.count)
    }

    @Test(arguments: TestStore.allCases) func theMediaQrelsGiveTheLitePacksNumbers(store: TestStore) throws {
        let engine = try Self.indexed(store).engine
        let qrels = try Qrels.read(TestPaths.fixture("lite/media-qrels.tsv"))
        let here = Locations(environment: [:], homeDirectory: NSHomeDirectory(),
                             currentDirectory: TestPaths.repository.path)
        var options = SearchOptions()
        options.modalities = [.image]
        let report = try engine.evaluate(qrels, options: options, locations: here)
        let m = report.mean
        print(String(format: "lite on Media (%d queries): R@1 %.3f R@5 %.3f R@10 %.3f MRR %.3f nDCG@10 %.3f",
                     report.perQuery.count, m.recallAt1, m.recallAt5, m.recallAt10, m.reciprocalRank, m.ndcgAt10))
        #expect(report.perQuery.count == 32)
        #expect(m.recallAt10 >= 0.9 && m.reciprocalRank >= 0.8)
    }
}
