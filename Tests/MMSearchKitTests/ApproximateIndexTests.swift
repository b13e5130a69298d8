import CVectorKernels
import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// The embedded store's approximate index (`VectorGraph`): its kernels against
/// double-precision products, its answers against exact search, and what it does with
/// deletions, moves, rows it does not cover yet, a crash while it is written and a damaged file.
@Suite struct ApproximateIndexTests {
    static let dimension = 24
    /// Small enough for a test, large enough that a graph has levels and a search has choices.
    static let parameters = GraphParameters(links: 8, buildWidth: 64, minimumRows: 1_000, tailRows: 1_000)
    static let space = SpaceID(name: "graph", dimension: dimension, fingerprint: "g1")

    /// Unit vectors in 60 clusters (seeded): neighbourhoods like an embedding space's.
    static func clustered(count: Int, seed: UInt64) -> [[Float]] {
        let d = dimension
        let centres = randomUnitVectors(count: 60, dimension: d, seed: seed)
        let noise = randomUnitVectors(count: count, dimension: d, seed: seed &+ 1)
        return (0..<count).map { i in
            let c = (i * 7919) % 60
            var v = (0..<d).map { centres[c * d + $0] + 0.6 * noise[i * d + $0] }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for j in v.indices { v[j] /= norm }
            return v
        }
    }

    /// Queries near stored rows, not equal to any.
    static func queries(_ vectors: [[Float]], count: Int) -> [[Float]] {
        let noise = randomUnitVectors(count: count, dimension: dimension, seed: 99)
        return (0..<count).map { q in
            var v = vectors[(q * 104_729) % vectors.count].enumerated().map { $0.element + 0.3 * noise[q * dimension + $0.offset] }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for j in v.indices { v[j] /= norm }
            return v
        }
    }

    struct Fixture {
        let temp: TemporaryDirectory
        let store: EmbeddedStore
        let index: Index
        var vectors: [[Float]]

        init(count: Int) throws {
            temp = try TemporaryDirectory()
            store = EmbeddedStore(directory: temp.sub("index"), graph: ApproximateIndexTests.parameters)
            index = Index(store: store)
            vectors = ApproximateIndexTests.clustered(count: count, seed: 7)
            let importer = try VectorImporter(index: index, space: ApproximateIndexTests.space)
            try importer.add(vectors.enumerated().map { ("/v/\($0.offset)", $0.element) }, modality: .image)
            try importer.finish()
        }

        var graphURL: URL {
            get throws {
                let space = try #require(try store.spaces().first)
                return try store.graphURL(named: space.vectorFile)
            }
        }

        func reader() throws -> IndexReader { try IndexReader(store.reader(for: #require(try store.spaces().first))) }

        func search(_ query: [Float], _ method: SearchOptions.Method, k: Int = 10) throws -> ([SearchHit], SearchStatistics) {
            try reader().searchWithStatistics(query, limit: k, options: SearchOptions(method: method, threads: 1))
        }

        func writer() throws -> any SpaceWriter { try store.writer(for: ApproximateIndexTests.space, storage: .f32) }
    }

    /// Fraction of the exact top-k the approximate search finds, over `queries`.
    static func recall(_ fixture: Fixture, _ queries: [[Float]], k: Int = 10) throws -> Double {
        var found = 0
        for query in queries {
            let (approximate, statistics) = try fixture.search(query, .automatic, k: k)
            #expect(statistics.approximate)
            let exact = Set(try fixture.search(query, .quantized, k: k).0.map(\.path))
            #expect(approximate.count == k)
            found += approximate.filter { exact.contains($0.path) }.count
        }
        return Double(found) / Double(queries.count * k)
    }

    // MARK: Kernels

    @Test(arguments: [1, 7, 31, 32, 33, 63, 64, 65, 100, 384, 1000])
    func scoresAreIntegerProductsTimesScalesOnEveryPath(dimension d: Int) throws {
        let stride = d + 4
        var codes = [Int8](repeating: 0, count: 3 * stride)
        var state: UInt64 = UInt64(d)
        for row in 0..<3 {
            for j in 0..<d {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                codes[row * stride + j] = Int8(Int(state >> 33) % 255 - 127)  // [-127, 127]
            }
            // Extremes too: every product at ±127·127.
            if row == 2 { for j in 0..<d { codes[row * stride + j] = j % 2 == 0 ? 127 : -127 } }
            let scale = Float(row + 1) / 127
            withUnsafeBytes(of: scale) { for b in 0..<4 { codes[row * stride + d + b] = Int8(bitPattern: $0[b]) } }
        }
        func expected(_ a: Int, _ b: Int) -> Double {
            var sum = 0.0
            for j in 0..<d { sum += Double(codes[a * stride + j]) * Double(codes[b * stride + j]) }
            return sum * Double(a + 1) / 127 * Double(b + 1) / 127
        }
        defer { mms_graph_limit_isa(0) }
        var paths: Set<String> = []
        for cap in 0...2 {
            // Every path this CPU has, the portable one always.
            mms_graph_limit_isa(Int32(cap))
            let isa = String(cString: mms_graph_isa())
            paths.insert(isa)
            #expect(cap < 2 || isa == "portable")
            #expect(cap < 1 || isa != "avx512vnni")
            codes.withUnsafeBufferPointer { c in
                // A score reads only the rows.
                var graph = mms_graph(count: 3, links: 1, base_links: 2, dim: UInt32(d), stride: stride, codes: c.baseAddress,
                                      levels: nil, upper_at: nil, base: nil, upper: nil, upper_lists: 0,
                                      entry: 0, top: -1, locks: nil, entry_lock: 0,
                                      exact: nil, exact_stride: 0)
                for (a, b) in [(0, 1), (1, 2), (2, 2), (0, 0)] {
                    let score = Double(mms_graph_score(&graph, UInt32(a), UInt32(b)))
                    #expect(abs(score - expected(a, b)) <= 1e-5 * max(1, abs(expected(a, b))),
                            "dim \(d), rows \(a)·\(b), \(isa)")
                }
            }
        }
        #expect(paths.contains("portable"))
    }

    @Test func checksumsAreCRC32COnEveryPath() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        var bytes = [UInt8](repeating: 0, count: 4099)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
        bytes.withUnsafeBytes { raw in
            for (start, count) in [(0, 0), (1, 1), (3, 17), (5, 4000), (0, 4099)] {
                let part = UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)])
                #expect(mms_crc32c_update(0, part.baseAddress, count) == mms_crc32c_update_portable(0, part.baseAddress, count))
                // A CRC continues over a split.
                let half = count / 2
                let first = mms_crc32c_update(0, part.baseAddress, half)
                #expect(mms_crc32c_update(first, part.baseAddress.map { $0 + half }, count - half)
                        == mms_crc32c_update(0, part.baseAddress, count))
            }
        }
    }

    // MARK: Search

    @Test func theGraphFindsWhatAnExactScanFinds() throws {
        let fixture = try Fixture(count: 3_000)
        let header = try #require(GraphHeader.read(try fixture.graphURL))
        #expect(header.count == 3_000)
        #expect(header.top >= 1, "a graph of 3 000 rows with 8 links has upper levels")
        #expect(try Self.recall(fixture, Self.queries(fixture.vectors, count: 40)) >= 0.95)
        // Forced exact search never walks it.
        let (_, statistics) = try fixture.search(fixture.vectors[5], .exact)
        #expect(!statistics.approximate)
        // Scores are exact: the row itself comes first with cosine 1.
        let (hits, _) = try fixture.search(fixture.vectors[1234], .automatic)
        #expect(hits.first?.path == "/v/1234")
        #expect(abs((hits.first?.score ?? 0) - 1) < 1e-5)
    }

    @Test func smallSpacesHaveNoGraphAndScan() throws {
        let temp = try TemporaryDirectory()
        let store = EmbeddedStore(directory: temp.sub("index"), graph: Self.parameters)
        let importer = try VectorImporter(index: Index(store: store), space: Self.space)
        try importer.add(Self.clustered(count: 999, seed: 3).enumerated().map { ("/s/\($0.offset)", $0.element) },
                         modality: .image)
        try importer.finish()
        let space = try #require(try store.spaces().first)
        #expect(!FileManager.default.fileExists(atPath: try store.graphURL(named: space.vectorFile).path))
    }

    @Test func deletedFilesNeverComeBackAndMovedFilesKeepTheirRows() throws {
        let fixture = try Fixture(count: 3_000)
        let queries = Self.queries(fixture.vectors, count: 20)
        // Delete every query's three nearest files; move its fourth.
        var removed: Set<String> = []
        var moved: [String: String] = [:]
        for query in queries {
            let exact = try fixture.search(query, .quantized).0.map(\.path)
            removed.formUnion(exact.prefix(3))
            if !removed.contains(exact[3]) { moved[exact[3]] = exact[3].replacingOccurrences(of: "/v/", with: "/moved/") }
        }
        do {
            let writer = try fixture.writer()
            try writer.remove(paths: Array(removed))
            let moves = try moved.map { old, new in
                (id: try #require(try writer.file(path: old)).id, file: ScannedFile(path: new, size: 0, mtimeNs: 0))
            }
            try writer.move(moves)
            try writer.finish()
        }
        // The graph still links the deleted rows (as routes), but no search returns them.
        #expect(GraphHeader.read(try fixture.graphURL)?.count == 3_000)
        for query in queries {
            let (hits, statistics) = try fixture.search(query, .automatic)
            #expect(statistics.approximate)
            #expect(hits.count == 10)
            #expect(hits.allSatisfy { !removed.contains($0.path) && moved[$0.path] == nil })
        }
        #expect(try Self.recall(fixture, queries) >= 0.9)
        for (old, new) in moved {
            let row = Int(old.dropFirst(3))!
            #expect(try fixture.search(fixture.vectors[row], .automatic).0.first?.path == new)
        }
    }

    @Test func aSearchLimitedToAFewRowsWidensAndThenScans() throws {
        let fixture = try Fixture(count: 2_000)
        // Remove all but 15 files: a walk of the default width meets few live rows.
        let keep = Set((0..<15).map { "/v/\($0 * 97)" })
        do {
            let writer = try fixture.writer()
            try writer.remove(paths: (0..<2_000).map { "/v/\($0)" }.filter { !keep.contains($0) })
        }
        let (hits, _) = try fixture.search(fixture.vectors[0], .automatic, k: 12)
        #expect(hits.count == 12)
        #expect(Set(hits.map(\.path)).isSubset(of: keep))
        let exact = try fixture.search(fixture.vectors[0], .quantized, k: 12).0
        #expect(hits.map(\.path) == exact.map(\.path))
    }

    @Test func rowsAddedSinceTheGraphWasWrittenAreScanned() throws {
        let fixture = try Fixture(count: 2_000)
        let extra = Self.clustered(count: 400, seed: 11)
        do {
            // Fewer than `tailRows`: committed without touching the graph.
            let importer = try VectorImporter(index: fixture.index, space: Self.space)
            try importer.add(extra.enumerated().map { ("/extra/\($0.offset)", $0.element) }, modality: .image)
        }
        #expect(GraphHeader.read(try fixture.graphURL)?.count == 2_000)
        let (hits, statistics) = try fixture.search(extra[123], .automatic)
        #expect(statistics.approximate)
        #expect(hits.first?.path == "/extra/123")
        // The next run's end links them.
        try fixture.writer().finish()
        #expect(GraphHeader.read(try fixture.graphURL)?.count == 2_400)
        #expect(try fixture.search(extra[123], .automatic).0.first?.path == "/extra/123")
    }

    @Test func dupesComparesThePairsTheGraphFindsAndFindsTheSameGroups() throws {
        var fixture = try Fixture(count: 2_000)
        // 40 copies of stored files with a little noise, a third copy for every fourth.
        let noise = randomUnitVectors(count: 60, dimension: Self.dimension, seed: 5)
        var copies: [(String, [Float])] = []
        for i in 0..<60 {
            let source = (i % 40) * 37
            var v = fixture.vectors[source].enumerated().map { $0.element + 0.05 * noise[i * Self.dimension + $0.offset] }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for j in v.indices { v[j] /= norm }
            if i < 40 || i % 4 == 0 { copies.append(("/copy/\(i)", v)) }
        }
        do {
            let importer = try VectorImporter(index: fixture.index, space: Self.space)
            try importer.add(copies, modality: .image)
            try importer.finish()
        }
        fixture.vectors += copies.map(\.1)
        let approximate = try fixture.index.duplicates(threshold: 0.99)
        let exact = try fixture.index.duplicates(threshold: 0.99, exact: true)
        #expect(approximate.approximate)
        #expect(!exact.approximate)
        #expect(exact.groups.count == 40)
        // The same groups; the scores of a pair come from another order of summation.
        #expect(approximate.groups.map(\.paths) == exact.groups.map(\.paths))
        for (a, b) in zip(approximate.groups, exact.groups) {
            #expect(abs(a.minScore - b.minScore) < 1e-5 && abs(a.maxScore - b.maxScore) < 1e-5)
        }
        #expect(approximate.files == 2_000 + copies.count)
    }

    // MARK: Crashes and damage

    @Test func aCrashWhileTheGraphIsWrittenLeavesTheOldOne() throws {
        let fixture = try Fixture(count: 2_000)
        let url = try fixture.graphURL
        let before = try Data(contentsOf: url)
        let extra = Self.clustered(count: 300, seed: 13)
        do {
            let importer = try VectorImporter(index: fixture.index, space: Self.space)
            try importer.add(extra.enumerated().map { ("/extra/\($0.offset)", $0.element) }, modality: .image)
        }
        // What a kill -9 in the middle of `GraphArrays.write` leaves: a partial temporary file
        // beside the intact old graph (the rename is the only step that replaces it).
        let temporary = url.appendingPathExtension("tmp")
        try before.prefix(before.count / 2).write(to: temporary)
        #expect(try Data(contentsOf: url) == before)
        let (hits, statistics) = try fixture.search(extra[7], .automatic)
        #expect(statistics.approximate)
        #expect(hits.first?.path == "/extra/7")
        // The next writer clears the temporary file and extends the old graph.
        try fixture.writer().finish()
        #expect(!FileManager.default.fileExists(atPath: temporary.path))
        #expect(GraphHeader.read(url)?.count == 2_300)
        #expect(try Self.recall(fixture, Self.queries(fixture.vectors + extra, count: 20)) >= 0.95)
    }

    @Test(arguments: ["flipped link", "truncated", "foreign rows"])
    func aDamagedGraphIsNotTrustedAndIsRebuilt(damage: String) throws {
        let fixture = try Fixture(count: 2_000)
        let url = try fixture.graphURL
        var bytes = try Data(contentsOf: url)
        switch damage {
        case "flipped link": bytes[bytes.count - 100] ^= 0x40
        case "truncated": bytes = bytes.prefix(bytes.count - 4096)
        default:
            // A sound graph of more rows than the int8 copy has: not this copy's.
            var header = try GraphHeader.decode(Array(bytes.prefix(GraphHeader.size))).get()
            header.count = 5_000
            bytes.replaceSubrange(0..<GraphHeader.size, with: header.encoded())
        }
        try bytes.write(to: url)
        let space = try #require(try fixture.store.spaces().first)
        let codes = try fixture.store.mapCodes(named: space.vectorFile, of: space)
        guard case .failure = VectorGraph.load(url, codes: codes) else {
            Issue.record("a \(damage) graph was loaded")
            return
        }
        // Searches scan instead, with the exact answer.
        let query = Self.queries(fixture.vectors, count: 1)[0]
        let (hits, statistics) = try fixture.search(query, .automatic)
        #expect(!statistics.approximate)
        #expect(hits.map(\.path) == (try fixture.search(query, .quantized).0.map(\.path)))
        // `check` names it; `repair` builds it again.
        let report = try fixture.index.check()
        #expect(report.problems.map(\.kind) == [.approximateIndex])
        #expect(report.problems.first?.remedy == .rebuild)
        let repaired = try fixture.index.repair()
        #expect(repaired.actions.contains { $0.kind == .approximateIndex && $0.message.contains("rebuilt") })
        #expect(try fixture.index.check().problems.isEmpty)
        #expect(try Self.recall(fixture, Self.queries(fixture.vectors, count: 20)) >= 0.95)
    }

    @Test func aWriterRebuildsADamagedGraphInsteadOfExtendingIt() throws {
        let fixture = try Fixture(count: 2_000)
        let url = try fixture.graphURL
        var bytes = try Data(contentsOf: url)
        bytes[GraphHeader.size + 10] ^= 0x01
        try bytes.write(to: url)
        let extra = Self.clustered(count: 100, seed: 17)
        do {
            let importer = try VectorImporter(index: fixture.index, space: Self.space)
            try importer.add(extra.enumerated().map { ("/extra/\($0.offset)", $0.element) }, modality: .image)
            try importer.finish()
        }
        let space = try #require(try fixture.store.spaces().first)
        let codes = try fixture.store.mapCodes(named: space.vectorFile, of: space)
        let graph = try #require(try VectorGraph.load(url, codes: codes).get())
        #expect(graph.count == 2_100)
        #expect(try Self.recall(fixture, Self.queries(fixture.vectors, count: 20)) >= 0.95)
    }

    @Test func compactionGivesTheNewVectorFileItsGraph() throws {
        let fixture = try Fixture(count: 2_500)
        do {
            let writer = try fixture.writer()
            try writer.remove(paths: (0..<400).map { "/v/\($0 * 5)" })
        }
        let compacted = try fixture.index.compact()
        #expect(compacted.first?.rewritten == true)
        let space = try #require(try fixture.store.spaces().first)
        let url = try fixture.store.graphURL(named: space.vectorFile)
        #expect(GraphHeader.read(url)?.count == 2_100)
        // Only the new file's companions are left.
        let names = fixture.store.vectorsFolderNames().filter { $0.hasSuffix(".hnsw") }
        #expect(names == [url.lastPathComponent])
        let (hits, statistics) = try fixture.search(fixture.vectors[1], .automatic)
        #expect(statistics.approximate)
        #expect(hits.first?.path == "/v/1")
    }
}
