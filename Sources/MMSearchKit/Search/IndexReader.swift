import Foundation
import MMTensor

/// One query of `IndexReader.search(_:)`: a unit vector of the space, how many files, and the
/// filters and scan of `options`.
public struct VectorSearchQuery: Sendable {
    public let vector: [Float]
    public let limit: Int
    public let options: SearchOptions

    public init(_ vector: [Float], limit: Int, options: SearchOptions = SearchOptions()) {
        self.vector = vector
        self.limit = limit
        self.options = options
    }
}

/// Searches one space of an index through its store (`SpaceReader`). Cheap to open, whatever
/// the index's size. Every search sees the index as last committed, also while another process
/// indexes: each one runs on one snapshot of the store, which turns rows into files too.
public final class IndexReader: Sendable {
    public let space: SpaceRecord
    let reader: any SpaceReader
    /// The last sample `cutoffSample` read, with its key: a service's queries share it until
    /// the space changes.
    private let cutoffSamples = Locked<(key: CutoffSampleKey, sample: [[[Float]]])?>(nil)

    public init(_ reader: any SpaceReader) {
        self.reader = reader
        space = reader.space
    }

    /// Number of files with vectors.
    public func count() throws -> Int {
        try reader.read { try $0.fileCount() }
    }

    /// The `limit` files whose vectors are closest to `vector` (unit length, the space's
    /// dimension), best first (or by date: `options.order`); a file of several parts by its best one (every part with
    /// `options.allChunks`); a file searched by one vector with its part closest to `vector`.
    public func search(_ vector: [Float], limit: Int, options: SearchOptions = SearchOptions()) throws -> [SearchHit] {
        try searchWithStatistics(vector, limit: limit, options: options).hits
    }

    /// `search`, with what the scan did.
    public func searchWithStatistics(_ vector: [Float], limit: Int,
                                     options: SearchOptions = SearchOptions()) throws -> (hits: [SearchHit], statistics: SearchStatistics) {
        try searchWithStatistics([VectorSearchQuery(vector, limit: limit, options: options)])[0].get()
    }

    /// Several searches on one snapshot, their first scans in one pass over the vectors
    /// (`SpaceSnapshot.nearest(_:)`): each answer is the one `search` gives alone; an error
    /// (a wrong dimension, an unknown label) fails its own query only.
    public func search(_ queries: [VectorSearchQuery]) throws -> [Result<[SearchHit], Error>] {
        try searchWithStatistics(queries).map { $0.map(\.hits) }
    }

    private func searchWithStatistics(_ queries: [VectorSearchQuery]) throws
        -> [Result<(hits: [SearchHit], statistics: SearchStatistics), Error>] {
        try reader.read { snapshot in
            // One result per file: the best rows are read until `limit` files are among them,
            // asking for more rows (×4) while files of several parts take up the places.
            let rowCount = snapshot.rowCount
            var results = [Result<(hits: [SearchHit], statistics: SearchStatistics), Error>](
                repeating: .success(([], SearchStatistics())), count: queries.count)
            var first: [(index: Int, query: NearestQuery)] = []
            for (i, query) in queries.enumerated() {
                do {
                    try checkDimension(query.vector)
                } catch {
                    results[i] = .failure(error)
                    continue
                }
                guard query.limit > 0 else { continue }
                let k = query.options.allChunks ? query.limit : 2 * min(query.limit, rowCount)
                first.append((i, NearestQuery(query.vector, k: k, options: query.options)))
            }
            for (member, scanned) in zip(first, snapshot.nearest(first.map(\.query))) {
                let query = queries[member.index]
                results[member.index] = Result {
                    var k = member.query.k
                    var scanned = try scanned.get()
                    let least = try leastScore(query.vector, best: scanned.rows.first?.score,
                                               options: query.options, in: snapshot)
                    while true {
                        var (best, statistics) = scanned
                        var exhausted = best.count < k || k >= rowCount
                        if let minimum = least {
                            let before = best.count
                            best.removeAll { $0.score < minimum }
                            exhausted = exhausted || best.count < before
                        }
                        let found = try Self.hits(best, limit: query.limit, allChunks: query.options.allChunks,
                                                  in: snapshot)
                        if query.options.allChunks || found.count >= query.limit || exhausted {
                            let hits = try Self.withBestParts(Array(found.prefix(query.limit)), query: query.vector,
                                                              in: snapshot)
                            return (query.options.order.sorted(hits), statistics)
                        }
                        k = min(4 * k, rowCount)
                        scanned = try snapshot.nearest(query.vector, k: k, options: query.options)
                    }
                }
            }
            return results
        }
    }

    /// The hits of `rows` (best first), rows no file owns left out; unless `allChunks`, the
    /// first of each file only (so each file keeps its best part), read until `limit` files
    /// are found: the rows after them are never looked up.
    static func hits(_ rows: [ScoredRow], limit: Int, allChunks: Bool,
                     in snapshot: any SpaceSnapshot) throws -> [SearchHit] {
        var found: [SearchHit] = []
        var seen = Set<String>()
        for row in rows {
            guard let hit = try snapshot.hit(row: row.row, score: row.score) else { continue }
            if allChunks {
                found.append(hit)
            } else if seen.insert(hit.path).inserted {
                found.append(hit)
                if found.count == limit { break }
            }
        }
        return found
    }

    /// `hits` with, for each file searched by one vector that has parts under it (a video's
    /// frames), the part that best matches `query`.
    static func withBestParts(_ hits: [SearchHit], query: [Float], in snapshot: any SpaceSnapshot) throws -> [SearchHit] {
        try hits.map { hit in
            guard hit.part == nil,
                  let best = bestPart(try snapshot.partsUnderRow(ofFile: hit.path), query: query) else { return hit }
            var marked = hit
            marked.part = best
            return marked
        }
    }

    /// The part with the highest cosine similarity to `query`; the earliest among equals.
    static func bestPart(_ parts: [FilePart], query: [Float]) -> MatchedPart? {
        var best: MatchedPart?
        for part in parts {
            guard let vector = part.vector, vector.count == query.count else { continue }
            let score = dot(query, vector)
            if best.map({ score > $0.score }) ?? true {
                best = MatchedPart(part: part, score: score)
            }
        }
        return best
    }

    // MARK: Cutoffs

    /// The least score a result of `vector` keeps under `options`' minimum and automatic cutoff
    /// (the higher of the two); nil when neither is set. `best` is the query's best score
    /// through the filters (nil when nothing passes them).
    func leastScore(_ vector: [Float], best: Float?, options: SearchOptions,
                    in snapshot: any SpaceSnapshot) throws -> Float? {
        guard let cutoff = options.cutoff else { return options.minimumScore }
        guard let best else { return options.minimumScore ?? cutoff.floor }
        let sample = try cutoffSample(modalities: options.modalities, in: snapshot)
        let scores = sample.map { rows in rows.reduce(-Float.infinity) { max($0, dot(vector, $1)) } }
        let threshold = cutoff.threshold(sample: scores, best: best)
        return max(threshold, options.minimumScore ?? -.infinity)
    }

    /// The lowest score `AutomaticCutoff` keeps for `vector` through `options`' filters: what
    /// `search` applies, for diagnostics and evaluation. nil without `options.cutoff` and
    /// `options.minimumScore`.
    public func leastScore(_ vector: [Float], options: SearchOptions) throws -> Float? {
        try checkDimension(vector)
        return try reader.read { snapshot in
            let best = try snapshot.nearest(vector, k: 1, options: options).rows.first?.score
            return try leastScore(vector, best: best, options: options, in: snapshot)
        }
    }

    /// The vectors of the files that give each query its background for `AutomaticCutoff`: at
    /// most `AutomaticCutoff.sampleSize` files of `modalities` (all when nil), chosen by a
    /// seeded shuffle of the files in path order, so every store picks the same files for the
    /// same index; each file's rows. Kept while the space's row count stays the same.
    func cutoffSample(modalities: Set<Modality>?, in snapshot: any SpaceSnapshot) throws -> [[[Float]]] {
        let key = CutoffSampleKey(rows: snapshot.rowCount, modalities: (modalities ?? []).map(\.rawValue).sorted())
        if let cached = cutoffSamples.withLock({ $0?.key == key ? $0?.sample : nil }) { return cached }
        let items = try snapshot.items()
            .filter { modalities?.contains($0.modality) ?? true }
            .sorted { $0.path < $1.path }
        let chosen = SpaceStatistics.sample(items.count, size: AutomaticCutoff.sampleSize)
        var sample: [[[Float]]] = []
        sample.reserveCapacity(chosen.count)
        for index in chosen {
            guard let rows = try snapshot.vectors(of: items[index]), !rows.isEmpty else { continue }
            sample.append(rows)
        }
        cutoffSamples.withLock { $0 = (key, sample) }
        return sample
    }

    func checkDimension(_ vector: [Float]) throws {
        guard vector.count == space.dimension else {
            throw MMSearchError(.fatal, "query vector has \(vector.count) values, the index's space "
                                + "\(space.spaceID) has \(space.dimension)")
        }
    }

    // MARK: The stored vectors

    /// An indexed file with vectors, by id (see `SpaceSnapshot.file(id:)`); nil when there is none.
    public func file(id: Int64) throws -> FileDetails? {
        try reader.read { try $0.file(id: id) }
    }

    /// The stored unit vector of the file with this id (as `vector(of:)`), read on one snapshot;
    /// nil when there is no such file with vectors.
    public func vector(ofFile id: Int64) throws -> [Float]? {
        try reader.read { snapshot in
            guard let details = try snapshot.file(id: id) else { return nil }
            return try Self.vector(of: details.item, in: snapshot)
        }
    }

    /// Every file of the space that has vectors, by path.
    public func items() throws -> [IndexedItem] {
        try reader.read { try $0.items() }
    }

    /// The stored unit vector of `item`: its row, or for a file of several parts the
    /// renormalised mean of their rows (the same rule as `Engine.embed` for a text file). nil
    /// when the index changed under the item.
    public func vector(of item: IndexedItem) throws -> [Float]? {
        try reader.read { try Self.vector(of: item, in: $0) }
    }

    static func vector(of item: IndexedItem, in snapshot: any SpaceSnapshot) throws -> [Float]? {
        guard let vectors = try snapshot.vectors(of: item), vectors.count == item.vectorCount,
              !vectors.isEmpty else { return nil }
        return vectors.count == 1 ? vectors[0] : UnitVector.mean(vectors)
    }

    /// Candidate pairs of `matrix`'s items from the store's approximate index (see
    /// `SpaceSnapshot.approximateNeighbours`); nil without one.
    public func approximateNeighbours(of matrix: SpaceMatrix, width: Int = DuplicateFinder.searchWidth,
                                      threads: Int = Cores.available) throws -> [[Int]]? {
        try reader.read { try $0.approximateNeighbours(of: matrix, width: width, threads: threads) }
    }

    /// Every file's vector (see `SpaceMatrix`), on one snapshot.
    public func matrix() throws -> SpaceMatrix {
        try reader.read { snapshot in
            var items: [IndexedItem] = []
            var values: [Float] = []
            let all = try snapshot.items()
            values.reserveCapacity(all.count * space.dimension)
            for item in all {
                guard let vector = try Self.vector(of: item, in: snapshot) else { continue }
                items.append(item)
                values += vector
            }
            return SpaceMatrix(items: items, dimension: space.dimension, values: values)
        }
    }
}

/// What a cutoff sample was read for: the space's row count and the modalities searched.
struct CutoffSampleKey: Equatable {
    let rows: Int
    let modalities: [String]
}

/// The dot product of two vectors of one length (the cosine of unit vectors).
private func dot(_ a: [Float], _ b: [Float]) -> Float {
    var sum: Float = 0
    for i in a.indices { sum += a[i] * b[i] }
    return sum
}
