// mmsearch-bench: the Swift half of Scripts/bench/search.sh (a benchmark, not a test).
//
//   mmsearch-bench import --vectors V.f32 --dim D --index DIR|--store URL [--storage f32|f16] [--pack lite]
//                         [--links M --build-width EF --exact-links 0|1]   (the graph's settings)
//   mmsearch-bench search --index DIR|--store URL --dim D --queries Q.f32 --truth T.i64 [--k 10]
//                         [--method automatic|exact|quantized|approximate] [--width EF] [--threads N]
//                         [--repeat R] [--rows 1]
//   mmsearch-bench clip --model DIR [--batch 1,8] [--threads 2] [--seconds 10]   (CLIPBench.swift)
//   mmsearch-bench embed-texts --input LINES.txt --out V.f32 [--threads N] [--precision f32|int8]
//
// `import` stores raw little-endian f32 vectors (one per row) under the paths /bench/<row>;
// with `--pack lite` they go into the lite pack's space, so `mmsearch query` can search them
// next to real files (Scripts/bench/index.sh times a query on a 10 000-item index this way).
// `search` times opening the index in this fresh process, then each query (after one
// warm-up pass), and prints one JSON object: open time, resident memory, latencies and
// recall@k against the true neighbours (rows, int64, k per query). `--store` names any store
// (a folder or a postgres:// URL, Scripts/bench/postgres.sh); `--index` a folder.
// `embed-texts` embeds each line of a text file with the lite pack's text encoder
// (all-MiniLM-L6-v2) and writes the unit vectors, one row per line, in order: the real
// embeddings the benchmarks' vectors are made from (Scripts/bench/search.py data --real).
import Foundation
import MMBuiltins
import MMEmbeddedStore
import MMSearchKit

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func options(_ arguments: ArraySlice<String>) throws -> [String: String] {
    var out: [String: String] = [:]
    var rest = arguments
    while let key = rest.popFirst() {
        guard key.hasPrefix("--"), let value = rest.popFirst() else { throw Failure("bad argument \(key)") }
        out[String(key.dropFirst(2))] = value
    }
    return out
}

func require(_ options: [String: String], _ key: String) throws -> String {
    guard let value = options[key] else { throw Failure("--\(key) is required") }
    return value
}

func readFloats(_ path: String) throws -> [Float] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// Resident memory of this process in MB (VmRSS).
func residentMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb / 1024
}

let space = { (dim: Int) in SpaceID(name: "bench", dimension: dim, fingerprint: "bench-\(dim)") }

/// The index `--store` (any location) or `--index` (a folder) names.
func index(_ o: [String: String]) throws -> Index {
    if let store = o["store"] { return try BuiltinStores.index(named: store) }
    let directory = URL(fileURLWithPath: try require(o, "index"))
    // The approximate index's build settings, for comparing graphs.
    if o["links"] != nil || o["build-width"] != nil || o["exact-links"] != nil {
        var graph = GraphParameters.standard
        graph.links = Int(o["links"] ?? "") ?? graph.links
        graph.buildWidth = Int(o["build-width"] ?? "") ?? graph.buildWidth
        graph.exactLinks = (o["exact-links"] ?? "1") != "0"
        return Index(store: EmbeddedStore(directory: directory, graph: graph))
    }
    return BuiltinStores.index(at: directory)
}

func importVectors(_ o: [String: String]) throws {
    let dim = try Int(require(o, "dim")) ?? 0
    let storage = VectorStorage(rawValue: o["storage"] ?? "f32") ?? .f32
    let url = URL(fileURLWithPath: try require(o, "vectors"))
    let handle = try FileHandle(forReadingFrom: url)
    let target: SpaceID
    switch o["pack"] {
    case nil: target = space(dim)
    case "lite": target = try LitePack.load(modelsDirectory: Locations.current().modelsDirectory()).space
    case let other?: throw Failure("--pack \(other): only lite")
    }
    guard target.dimension == dim else { throw Failure("--dim \(dim), but the pack's space has \(target.dimension)") }
    let importer = try VectorImporter(index: index(o), space: target, storage: storage)
    let start = Date()
    var row = 0
    let batch = 20_000
    while let data = try handle.read(upToCount: batch * dim * 4), !data.isEmpty {
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let count = values.count / dim
        let items = (0..<count).map { i in
            (path: "/bench/\(row + i)", vector: Array(values[(i * dim)..<((i + 1) * dim)]))
        }
        try importer.add(items, modality: .image)
        row += count
    }
    let rowsSeconds = Date().timeIntervalSince(start)
    // What the store builds in bulk after a load (PostgreSQL: the HNSW graph).
    try importer.finish()
    print(#"{"imported": \#(row), "seconds": \#(Date().timeIntervalSince(start)), "rows_seconds": \#(rowsSeconds)}"#)
}

func search(_ o: [String: String]) throws {
    let dim = try Int(require(o, "dim")) ?? 0
    let k = Int(o["k"] ?? "10") ?? 10
    let method = SearchOptions.Method(rawValue: o["method"] ?? "automatic") ?? .automatic
    let threads = Int(o["threads"] ?? "1") ?? 1
    let repeats = Int(o["repeat"] ?? "1") ?? 1
    let queries = try readFloats(try require(o, "queries"))
    let truthData = try Data(contentsOf: URL(fileURLWithPath: try require(o, "truth")))
    let truth = truthData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    let count = queries.count / dim

    let rssBefore = residentMB()
    let openStart = Date()
    let opened = try index(o)
    let reader = try opened.reader(for: space(dim))
    let openSeconds = Date().timeIntervalSince(openStart)
    let rssOpen = residentMB()

    let searchOptions = SearchOptions(method: method, threads: threads,
                                      searchWidth: Int(o["width"] ?? "") ?? SearchOptions.defaultSearchWidth)
    // `--rows 1`: the store's k nearest rows only (what hnswlib and FAISS return), without
    // turning them into files and paths; rows are numbered as imported.
    let rowsReader = o["rows"] == "1" ? try opened.store.reader(for: opened.store.spaces().first!) : nil
    func run(_ q: Int) throws -> ([SearchHit], SearchStatistics) {
        let vector = Array(queries[(q * dim)..<((q + 1) * dim)])
        if let rowsReader {
            let (rows, statistics) = try rowsReader.read { try $0.nearest(vector, k: k, options: searchOptions) }
            return (rows.map { SearchHit(fileID: Int64($0.row), path: "/bench/\($0.row)", score: $0.score, modality: .image) },
                    statistics)
        }
        return try reader.searchWithStatistics(vector, limit: k, options: searchOptions)
    }
    for q in 0..<count { _ = try run(q) }  // warm-up: pages in what a search touches
    var latencies: [Double] = []
    var found = 0
    var rescored = 0
    for _ in 0..<repeats {
        for q in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            let (hits, statistics) = try run(q)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            rescored += statistics.rescored
            let expected = Set(truth[(q * k)..<((q + 1) * k)].map { "/bench/\($0)" })
            found += hits.filter { expected.contains($0.path) }.count
        }
    }
    latencies.sort()
    let mean = latencies.reduce(0, +) / Double(latencies.count)
    let median = latencies[latencies.count / 2]
    let p99 = latencies[min(latencies.count - 1, Int((Double(latencies.count) * 0.99).rounded(.up)) - 1)]
    print(#"{"open_ms": \#(openSeconds * 1000), "rss_before_mb": \#(rssBefore), "rss_open_mb": \#(rssOpen), "#
          + #""rss_after_mb": \#(residentMB()), "mean_ms": \#(mean), "median_ms": \#(median), "p99_ms": \#(p99), "#
          + #""recall": \#(Double(found) / Double(count * k * repeats)), "#
          + #""rescored_per_query": \#(Double(rescored) / Double(count * repeats))}"#)
}

func embedTexts(_ o: [String: String]) throws {
    let lines = try String(contentsOfFile: try require(o, "input"), encoding: .utf8)
        .split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    let threads = max(1, Int(o["threads"] ?? "") ?? ProcessInfo.processInfo.activeProcessorCount)
    guard let precision = InferencePrecision(rawValue: o["precision"] ?? "f32") else { throw Failure("--precision is f32 or int8") }
    let pack = try LitePack.load(modelsDirectory: Locations.current().modelsDirectory(), precision: precision)
    guard let encoder = pack.encoder(for: .text) else { throw Failure("the lite pack has no text encoder") }
    let dim = pack.space.dimension
    let batch = 32
    let batches = stride(from: 0, to: lines.count, by: batch).map { $0..<min(lines.count, $0 + batch) }
    var output = [Float](repeating: 0, count: lines.count * dim)
    var done = 0
    let start = Date()
    try WorkerPool.run(batches, threads: threads, cancel: nil,
                       work: { range in encoder.embed(batch: range.map { .text(lines[$0]) }) }) { index, results in
        let range = batches[index]
        for (i, result) in zip(range, results) {
            switch result {
            case .success(let vector): output.replaceSubrange((i * dim)..<((i + 1) * dim), with: vector)
            case .failure(let error): throw Failure("line \(i + 1): \(error)")
            }
        }
        done += range.count
        if done / (batch * 100) != (done - range.count) / (batch * 100) {
            FileHandle.standardError.write(Data("  \(done) of \(lines.count) texts\n".utf8))
        }
    }
    try output.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: try require(o, "out"))) }
    let seconds = Date().timeIntervalSince(start)
    print(#"{"texts": \#(lines.count), "dimension": \#(dim), "seconds": \#(seconds), "texts_per_second": \#(Double(lines.count) / seconds)}"#)
}

do {
    let arguments = CommandLine.arguments.dropFirst()
    switch arguments.first {
    case "import": try importVectors(options(arguments.dropFirst()))
    case "search": try search(options(arguments.dropFirst()))
    case "clip": try benchCLIP(options(arguments.dropFirst()))
    case "embed-texts": try embedTexts(options(arguments.dropFirst()))
    default: throw Failure("usage: mmsearch-bench import|search|clip|embed-texts --option value …")
    }
} catch {
    FileHandle.standardError.write(Data("mmsearch-bench: \(error)\n".utf8))
    exit(2)
}
