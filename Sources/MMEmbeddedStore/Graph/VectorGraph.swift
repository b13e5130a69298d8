import CVectorKernels
import Foundation
import MMSearchKit
import MMTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The approximate index of a vector file, `<vector file>.hnsw` beside it: an HNSW graph over
/// the first `count` rows of its int8 twin, memory-mapped read-only. Searches walk it on int8
/// scores (`mms_graph_search`) and the caller rescores what they find with the exact rows.
///
/// A graph is derived data and is never trusted blindly: opening checks its header, that it
/// belongs to these codes (dimension, no more rows than they have) and the checksum of its
/// whole body; a file that fails is not used (searches scan instead) and the next writer
/// builds it again. Rows past `count` (appended since the graph was written) are the
/// caller's to scan.
final class VectorGraph: @unchecked Sendable {
    let header: GraphHeader
    /// The codes the graph walks on (kept alive while the graph points into them).
    let codes: MappedVectorFile
    private let mapping: UnsafeMutableRawPointer
    private let length: Int
    private let graph: mms_graph
    /// Working memory of finished searches, reused by the next (one per thread at most).
    private let scratches = Locked<[OpaquePointer]>([])

    var count: Int { header.count }
    var body: GraphBody { GraphBody(header: header, file: mapping) }

    /// The graph file of the vector file at `vectorFile`.
    static func url(of vectorFile: URL) -> URL { vectorFile.appendingPathExtension("hnsw") }

    /// Opens the graph at `url` over `codes`: nil when there is none, an error saying why when
    /// it cannot be used.
    static func load(_ url: URL, codes: MappedVectorFile) -> Result<VectorGraph?, GraphDamage> {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return errno == ENOENT ? .success(nil) : .failure(GraphDamage("it cannot be opened: \(POSIX.lastError)"))
        }
        do {
            return .success(try VectorGraph(fd: fd, codes: codes))
        } catch let damage as GraphDamage {
            return .failure(damage)
        } catch {
            return .failure(GraphDamage("\(error)"))
        }
    }

    private init(fd: Int32, codes: MappedVectorFile) throws {
        defer { close(fd) }
        self.codes = codes
        guard let identity = FileIdentity(fd: fd) else { throw GraphDamage("it cannot be read: \(POSIX.lastError)") }
        let header = try GraphHeader.decode(POSIX.read(fd, count: GraphHeader.size, at: 0) ?? []).get()
        guard identity.size == header.fileSize else {
            throw GraphDamage("it is \(identity.size) bytes, but its header describes \(header.fileSize)")
        }
        guard header.dimension == codes.dimension, codes.elementType == .int8 else {
            throw GraphDamage("it links \(header.dimension)-d rows, but \(codes.url.lastPathComponent) holds "
                              + "\(codes.dimension)-d \(codes.elementType) rows")
        }
        guard header.count <= codes.rowCount else {
            throw GraphDamage("it links \(header.count) rows, but \(codes.url.lastPathComponent) has \(codes.rowCount)")
        }
        guard let base = mmap(nil, identity.size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw GraphDamage("it cannot be mapped: \(POSIX.lastError)")
        }
        let body = UnsafeRawBufferPointer(start: base + GraphHeader.size, count: header.bodySize)
        guard CRC32C.checksum(body) == header.bodyChecksum else {
            munmap(base, identity.size)
            throw GraphDamage("its links do not match their checksum")
        }
        _ = madvise(base, identity.size, MADV_RANDOM)
        self.header = header
        mapping = base
        length = identity.size
        let parts = GraphBody(header: header, file: base)
        // Searching never writes through `base` and `upper` (the mapping is read-only).
        graph = mms_graph(header, codes: codes, levels: parts.levels.baseAddress, upperAt: parts.upperAt.baseAddress,
                          base: UnsafeMutablePointer(mutating: parts.base.baseAddress),
                          upper: UnsafeMutablePointer(mutating: parts.upper.baseAddress))
    }

    deinit {
        for scratch in scratches.withLock({ $0 }) { mms_graph_scratch_destroy(scratch) }
        munmap(mapping, length)
    }

    /// The `width` rows the graph finds closest to the query (its int8 codes and scale), best
    /// first, with their int8 scores.
    func search(codes query: [Int8], scale: Float, width: Int) -> [(row: Int, score: Float)] {
        guard width > 0, count > 0 else { return [] }
        precondition(query.count == header.dimension, "query of \(query.count) values in a \(header.dimension)-d graph")
        guard let scratch = scratches.withLock({ $0.popLast() }) ?? mms_graph_scratch_create(UInt32(count)) else {
            return []
        }
        defer { scratches.withLock { $0.append(scratch) } }
        var rows = [UInt32](repeating: 0, count: width)
        var scores = [Float](repeating: 0, count: width)
        var graph = graph
        let found = query.withUnsafeBufferPointer { q in
            mms_graph_search(&graph, scratch, q.baseAddress!, scale, UInt32(width), &rows, &scores)
        }
        return (0..<found).map { (Int(rows[$0]), scores[$0]) }
    }
}

/// A space's graph file as a snapshot found it, opened (and checked) by the first search that
/// walks it: a query that scans, or a command that never searches, does not read it.
final class GraphSlot: Sendable {
    let url: URL
    /// The file when the slot was made (nil: there was none).
    let identity: FileIdentity?
    private let codes: MappedVectorFile
    private let loaded = Locked<Result<VectorGraph?, GraphDamage>?>(nil)

    init(url: URL, codes: MappedVectorFile) {
        self.url = url
        self.codes = codes
        identity = FileIdentity(path: url.path)
    }

    /// The graph, or nil when there is none or it cannot be used (see `VectorGraph.load`).
    var graph: VectorGraph? {
        guard identity != nil else { return nil }
        return loaded.withLock { result in
            if result == nil { result = VectorGraph.load(url, codes: codes) }
            return (try? result?.get()) ?? nil
        }
    }

    /// Whether `codes` still serve this slot: the same file, and codes with at least the rows
    /// the slot's were mapped with.
    func isCurrent(codes newCodes: MappedVectorFile) -> Bool {
        FileIdentity(path: url.path) == identity && newCodes.rowCount >= codes.rowCount
    }
}

/// A file as `stat` names it, to notice a replaced one (a rename over it has another inode).
struct FileIdentity: Sendable, Equatable {
    let identity: FileInfo.Identity
    let size: Int
    let modified: Int64

    init?(_ info: Result<FileInfo, FailureReason>) {
        guard case .success(let info) = info else { return nil }
        identity = info.identity
        size = Int(info.size)
        modified = info.mtimeNs
    }

    init?(fd: Int32) { self.init(FileInfo.of(descriptor: fd)) }
    init?(path: String) { self.init(FileInfo.of(path)) }
}

extension mms_graph {
    /// The C view of a graph described by `header` over `codes`, with its arrays: nothing
    /// locked, ordered by the codes (a builder sets `locks` and `exact`).
    init(_ header: GraphHeader, codes: MappedVectorFile, levels: UnsafePointer<UInt8>?, upperAt: UnsafePointer<UInt32>?,
         base: UnsafeMutablePointer<UInt32>?, upper: UnsafeMutablePointer<UInt32>?) {
        self.init(count: UInt32(header.count), links: UInt32(header.links), base_links: UInt32(header.baseLinks),
                  dim: UInt32(header.dimension), stride: codes.rowStride,
                  codes: codes.row(0).assumingMemoryBound(to: Int8.self), levels: levels, upper_at: upperAt,
                  base: base, upper: upper, upper_lists: header.upperLists, entry: UInt32(header.entry),
                  top: Int32(header.top), locks: nil, entry_lock: 0, exact: nil, exact_stride: 0)
    }
}

/// Builds and extends graphs (see `VectorGraph`).
enum GraphBuilder {
    /// A graph of the first `count` rows of `codes`: `previous` (when its parameters are
    /// these) with rows `previous.count ..< count` inserted, or all of them. Inserts on
    /// `threads` threads.
    static func build(count: Int, codes: MappedVectorFile, master: MappedVectorFile? = nil,
                      parameters: GraphParameters = .standard, previous: GraphBody?, threads: Int) -> GraphArrays {
        precondition(codes.elementType == .int8 && count <= codes.rowCount, "a graph links rows of the int8 twin")
        let reuse = previous.flatMap { p in
            p.header.links == parameters.links && p.header.baseLinks == 2 * parameters.links
                && p.header.dimension == codes.dimension && p.header.count <= count ? p : nil
        }
        let arrays = GraphArrays(count: count, dimension: codes.dimension, parameters: parameters, copying: reuse)
        let first = reuse?.header.count ?? 0
        guard first < count else { return arrays }
        let threads = max(1, min(threads, (count - first) / 1024 + 1))
        let locks = threads > 1 ? UnsafeMutableBufferPointer<UInt8>.allocate(capacity: count) : nil
        locks?.initialize(repeating: 0)
        defer { locks?.deallocate() }
        let graph = UnsafeMutablePointer<mms_graph>.allocate(capacity: 1)
        defer { graph.deallocate() }
        graph.initialize(to: mms_graph(arrays.header, codes: codes, levels: UnsafePointer(arrays.levels.baseAddress),
                                       upperAt: UnsafePointer(arrays.upperAt.baseAddress), base: arrays.base.baseAddress,
                                       upper: arrays.upper.baseAddress))
        graph.pointee.locks = locks?.baseAddress
        // Inserts order by the exact rows when they are f32 (as hnswlib does): the heuristic's
        // choices inside tight groups of rows then do not hang on int8 rounding.
        if parameters.exactLinks, let master, master.elementType == .f32, master.rowCount >= count,
           master.dimension == codes.dimension {
            graph.pointee.exact = master.row(0).assumingMemoryBound(to: Float.self)
            graph.pointee.exact_stride = master.rowStride / 4
        }
        // The first rows go in one by one, so that the threads start from a graph with some shape.
        let serial = min(count, first + (threads > 1 ? 1_000 : count - first))
        let width = UInt32(parameters.buildWidth)
        if let scratch = mms_graph_scratch_create(UInt32(count)) {
            for row in first..<serial { mms_graph_insert(graph, scratch, UInt32(row), width) }
            mms_graph_scratch_destroy(scratch)
        }
        let shared = SharedGraph(graph: graph)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            guard let scratch = mms_graph_scratch_create(UInt32(count)) else { return }
            defer { mms_graph_scratch_destroy(scratch) }
            for row in stride(from: serial + t, to: count, by: threads) {
                mms_graph_insert(shared.graph, scratch, UInt32(row), width)
            }
        }
        arrays.header.entry = Int(graph.pointee.entry)
        arrays.header.top = Int(graph.pointee.top)
        return arrays
    }

    private struct SharedGraph: @unchecked Sendable {
        let graph: UnsafeMutablePointer<mms_graph>
    }
}

extension SpaceVectorFiles {
    /// Brings the graph file of these vector files up to their rows, once they have
    /// `parameters.minimumRows`: the rows appended since it was written are inserted, and a
    /// graph that fails its checks (`VectorGraph.load`) is built again from every row, never
    /// extended. The file is replaced atomically, so a crash leaves the old graph (whose rows
    /// searches complete with a scan). Returns the rows the graph links (0: no graph yet).
    func updateGraph(_ parameters: GraphParameters) throws -> Int {
        guard rowCount >= parameters.minimumRows else { return 0 }
        let url = VectorGraph.url(of: master.url)
        try? FileManager.default.removeItem(at: url.appendingPathExtension("tmp"))
        let codes = try MappedVectorFile(url: self.codes.url, access: .random)
        let previous = try? VectorGraph.load(url, codes: codes).get()
        if let previous, previous.count == rowCount { return rowCount }
        let arrays = GraphBuilder.build(count: min(rowCount, codes.rowCount), codes: codes,
                                        master: try MappedVectorFile(url: master.url, access: .random),
                                        parameters: parameters, previous: previous?.body, threads: Cores.available)
        try withExtendedLifetime(previous) { try arrays.write(to: url) }
        return arrays.header.count
    }
}
