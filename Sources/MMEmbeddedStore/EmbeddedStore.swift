import Foundation
import GRDB
import MMSearchKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded store: one directory per index, a SQLite catalog and memory-mapped vector
/// files, for one person's files on one machine.
///
///     DIR/catalog.sqlite          SQLite catalog (WAL: also -wal and -shm files)
///     DIR/vectors/<space>.f32     one append-only vector file per space (or .f16)
///     DIR/vectors/<space>.f32.i8  its int8 twin, for the fast scan
///     DIR/vectors/<space>.f32.tags  one byte per row: the row's modality
///     DIR/vectors/<space>.f32.sums  CRC-32C of the rows, block by block (`RowChecksumFile`)
///     DIR/vectors/<space>.f32.hnsw  the approximate index: a graph over the int8 twin
///                                   (`VectorGraph`), from 100 000 rows on
///     DIR/lock                    held by the process writing to the index
///
/// Creating the value opens nothing: the catalog is opened by the operation that needs it,
/// read-only for readers (a missing index is an error, never created), read-write for writers.
/// How it keeps the storage contract (`IndexStore`): vectors are appended and synced before
/// the catalog transaction that makes them visible (rows past the catalog's committed count
/// are reclaimed when the next writer opens); readers map the files and see the rows and
/// tombstones of one read transaction.
public final class EmbeddedStore: IndexStore, Sendable {
    public let directory: URL
    /// When spaces get an approximate index and how it is built.
    let graphParameters: GraphParameters
    /// The read-only catalog, opened once by the first read that needs it.
    private let readOnlyCatalog = Locked<Catalog?>(nil)

    static let catalogName = "catalog.sqlite"
    static let vectorsFolder = "vectors"

    public init(directory: URL) {
        self.directory = directory
        graphParameters = .standard
    }

    /// An index whose approximate index is built with other parameters (tests, benchmarks).
    package init(directory: URL, graph: GraphParameters) {
        self.directory = directory
        graphParameters = graph
    }

    public var location: String { directory.path }
    public var ownFolders: [String] { [directory.path] }
    var catalogURL: URL { directory.appendingPathComponent(Self.catalogName) }

    public func exists() -> Bool {
        FileManager.default.fileExists(atPath: catalogURL.path)
    }

    /// The catalog, opened without changing anything (once; later reads share it); a missing
    /// index is an error.
    func readCatalog() throws -> Catalog {
        try readOnlyCatalog.withLock { cached in
            if let cached { return cached }
            guard exists() else { throw MMSearchError.indexMissing(location) }
            // A catalog that is empty or part-migrated beside no vectors is an index a writer is
            // creating this moment (or whose creation was cut short, which the next writer starts
            // again): there is none yet.
            let creating = { self.vectorsFolderNames().isEmpty }
            if Catalog.damage(at: catalogURL) == .empty, creating() { throw MMSearchError.indexMissing(location) }
            let catalog: Catalog
            do {
                catalog = try Catalog(url: catalogURL, readOnly: true)
            } catch let error as MMSearchError where error.reason == .indexNeedsUpgrade && creating() {
                throw MMSearchError.indexMissing(location)
            }
            cached = catalog
            return catalog
        }
    }

    /// Drops the read-only catalog opened so far (after `repair` replaced the catalog file).
    func forgetReadCatalog() {
        readOnlyCatalog.withLock { $0 = nil }
    }

    /// The catalog, created and migrated when needed, with the folders of the index.
    func writeCatalog() throws -> Catalog {
        do {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(Self.vectorsFolder), withIntermediateDirectories: true)
        } catch {
            throw MMSearchError(.fatal, "index \(directory.path) cannot be created: "
                                + "\((error as NSError).localizedDescription)")
        }
        // An empty catalog beside no vectors is an index whose creation was interrupted: start
        // it again. With vectors it is damage (`repair` says what it does about it).
        if Catalog.damage(at: catalogURL) == .empty, vectorsFolderNames().isEmpty {
            try? FileManager.default.removeItem(at: catalogURL)
        }
        return try Catalog(url: catalogURL, readOnly: false)
    }

    /// The index's `vectors/` folder.
    var vectorsFolderURL: URL { directory.appendingPathComponent(Self.vectorsFolder) }

    /// The names in `vectors/`.
    func vectorsFolderNames() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: vectorsFolderURL.path)) ?? []
    }

    // MARK: IndexStore

    public func spaces() throws -> [SpaceRecord] {
        let spaces = try readCatalog().spaces()
        for space in spaces { try verifyVectorFile(of: space, missingIsDamage: true) }
        return spaces
    }

    public func setting(_ key: IndexSetting) throws -> String? {
        guard exists() else { return nil }
        return try readCatalog().setting(key)
    }

    public func writer(for space: SpaceID, storage: VectorStorage, besideOthers: Bool) throws -> any SpaceWriter {
        let catalog = try writeCatalog()
        let lock = try IndexLock(directory: directory)
        let spaces = try catalog.spaces()
        // A damaged index says so before its space is compared with the encoder's (a catalog
        // whose dimension changed is damage, not another model).
        for recorded in spaces { try verifyVectorFile(of: recorded, missingIsDamage: false) }
        let record = try SpaceRecord.matching(space, in: spaces, active: catalog.setting(.activeSpace), besideOthers: besideOthers)
            ?? catalog.addSpace(space, elementType: VectorElementType(storage),
                                vectorFile: Self.vectorFileName(space, elementType: VectorElementType(storage), generation: 0))
        let files = try vectorFiles(for: record, catalog: catalog)
        // Rows a crash left uncommitted become tombstones; files whose vectors were lost (a
        // deleted or replaced vector file) are marked failed and embedded again.
        _ = try catalog.reconcile(space: record.id, vectorRows: files.rowCount)
        return EmbeddedWriter(catalog: catalog, lock: lock, space: record, files: files, graph: graphParameters)
    }

    public func record(_ key: IndexSetting, _ value: String) throws {
        guard exists() else { throw MMSearchError.indexMissing(location) }
        try writeCatalog().record(key, value)
    }

    /// The catalog's rows go in one transaction (a reader sees the space whole or not at all),
    /// then its vector files.
    public func drop(_ space: SpaceRecord) throws {
        let catalog = try writeCatalog()
        let lock = try IndexLock(directory: directory)
        try catalog.dropSpace(space.id)
        for name in Self.companionNames(of: space.vectorFile) {
            try? FileManager.default.removeItem(at: vectorsFolderURL.appendingPathComponent(name))
        }
        withExtendedLifetime(lock) {}
    }

    public func reader(for space: SpaceRecord) throws -> any SpaceReader {
        try EmbeddedReader(store: self, catalog: readCatalog(), space: space)
    }

    public func counts(of space: SpaceRecord) throws -> SpaceCounts {
        try readCatalog().counts(space: space.id)
    }

    public func failures(in space: SpaceRecord?) throws -> [FileRecord] {
        try readCatalog().failures(space: space?.id)
    }

    public func notes(in space: SpaceRecord) throws -> [(path: String, note: FileNote)] {
        try readCatalog().notes(space: space.id).map { ($0.path, FileNote(stored: $0.note)) }
    }

    public func replaceLabels(_ entries: [(fileID: Int64, labels: [LabelScore])], in space: SpaceRecord) throws {
        guard exists() else { throw MMSearchError.indexMissing(location) }
        try Catalog(url: catalogURL, readOnly: false).replaceLabels(entries)
    }

    public func compact(storage: VectorStorage?) throws -> [CompactedSpace] {
        // A missing index is an error, not a new empty one.
        guard exists() else { throw MMSearchError.indexMissing(location) }
        return try IndexCompaction.run(self, storage: storage.map(VectorElementType.init))
    }

    public func check() throws -> IntegrityReport {
        guard exists() else { throw MMSearchError.indexMissing(location) }
        return try IndexCheck.run(self)
    }

    public func repair() throws -> RepairReport {
        guard exists() else { throw MMSearchError.indexMissing(location) }
        return try IndexRepair.run(self)
    }

    // MARK: Vector files

    /// The file name of a vector file of `space`: `<pack>-<dimension>-<fingerprint>.f32`, with
    /// `-<generation>` before the extension for files written by compaction.
    static func vectorFileName(_ space: SpaceID, elementType: VectorElementType, generation: Int) -> String {
        let safeName = String(space.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let suffix = generation > 0 ? "-\(generation)" : ""
        return "\(safeName)-\(space.dimension)-\(space.fingerprint.prefix(16))\(suffix).\(elementType.rawValue)"
    }

    /// Why `name` cannot be a vector file's name, or nil: the catalog must name a plain file
    /// inside `vectors/` (no `/`, not `.` or `..`, not hidden, not empty) ending in `.f32` or
    /// `.f16`, so that nothing read or deleted through it lies outside the index.
    static func vectorFileNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.contains("/") || name.contains("\0") { return "it is a path, not a file name" }
        if name.hasPrefix(".") { return "it starts with a dot" }
        if name.utf8.count > 200 { return "it is longer than 200 bytes" }
        if !VectorStorage.allCases.contains(where: { name.hasSuffix(".\($0.rawValue)") }) {
            return "it does not end in .f32 or .f16"
        }
        return nil
    }

    /// The vector file `name` in `vectors/`; a name that is not a plain file name there is an
    /// error naming it (a damaged catalog must not make a search read, or compaction delete,
    /// a file outside the index).
    func vectorURL(named name: String) throws -> URL {
        if let problem = Self.vectorFileNameProblem(name) {
            throw MMSearchError(.fatal, "catalog \(catalogURL.path) names the vector file '\(name)', "
                                + "which is not a file in \(directory.path)/\(Self.vectorsFolder): \(problem)",
                                reason: .indexDamaged)
        }
        return directory.appendingPathComponent(Self.vectorsFolder).appendingPathComponent(name)
    }

    /// The int8 twin of a vector file: the file's name with `.i8` appended.
    func codesURL(named name: String) throws -> URL { try vectorURL(named: name).appendingPathExtension("i8") }

    /// The tag file of a vector file: the file's name with `.tags` appended.
    func tagsURL(named name: String) throws -> URL { try vectorURL(named: name).appendingPathExtension("tags") }

    /// The checksum file of a vector file: the file's name with `.sums` appended.
    func sumsURL(named name: String) throws -> URL { try vectorURL(named: name).appendingPathExtension("sums") }

    /// The approximate index of a vector file: the file's name with `.hnsw` appended.
    func graphURL(named name: String) throws -> URL { VectorGraph.url(of: try vectorURL(named: name)) }

    /// The names of the files that belong to vector file `name`: itself, its twin, tags,
    /// checksums and graph.
    static func companionNames(of name: String) -> [String] {
        [name, name + ".i8", name + ".tags", name + ".sums", name + ".hnsw"]
    }

    /// Maps the vector file `name` of `space`, checking that it holds that space's vectors.
    func mapVectors(named name: String, of space: SpaceRecord,
                    access: MappedVectorFile.Access = .sequential) throws -> MappedVectorFile {
        try checked(MappedVectorFile(url: vectorURL(named: name), access: access), of: space, codes: false)
    }

    /// Maps the int8 twin of vector file `name` of `space`.
    func mapCodes(named name: String, of space: SpaceRecord) throws -> MappedVectorFile {
        try checked(MappedVectorFile(url: codesURL(named: name)), of: space, codes: true)
    }

    /// Maps the tag file of vector file `name`.
    func mapTags(named name: String) throws -> MappedRowTags {
        try MappedRowTags(url: tagsURL(named: name))
    }

    private func checked(_ file: MappedVectorFile, of space: SpaceRecord, codes: Bool) throws -> MappedVectorFile {
        if let problem = Self.mismatch(file.header, of: space, codes: codes) {
            throw MMSearchError(.fatal, "vector file \(file.url.path) \(problem)", reason: .indexDamaged)
        }
        return file
    }

    /// How a vector file's header disagrees with the catalog's record of its space, or nil.
    static func mismatch(_ header: VectorFileHeader, of space: SpaceRecord, codes: Bool) -> String? {
        if header.dimension != space.dimension {
            return "holds \(header.dimension)-d vectors but the catalog says space \(space.name) is "
                + "\(space.dimension)-d (dimension \(header.dimension) vs \(space.dimension))"
        }
        if header.fingerprint != VectorFileHeader.storedFingerprint(space.fingerprint) {
            return "holds vectors of space \(header.fingerprint), not of \(space.spaceID)"
        }
        if (header.elementType == .int8) != codes || (!codes && header.elementType.rawValue != space.elementType) {
            return "holds \(header.elementType) rows, expected \(codes ? "int8" : space.elementType)"
        }
        return nil
    }

    /// What opening checks of a space's vector file, reading its 64-byte header only: its name,
    /// its header (checksum), and that it holds the space's vectors as the catalog records
    /// them. A missing file is damage for a reader (`missingIsDamage`) when rows were
    /// committed; a writer embeds their files again instead.
    func verifyVectorFile(of space: SpaceRecord, missingIsDamage: Bool) throws {
        let url = try vectorURL(named: space.vectorFile)
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT, !(missingIsDamage && space.rowCount > 0) { return }
            throw MMSearchError(.fatal, "vector file \(url.path) cannot be opened: \(POSIX.lastError)",
                                reason: errno == ENOENT ? .indexDamaged : nil)
        }
        defer { close(fd) }
        let bytes = POSIX.read(fd, count: VectorFileHeader.size, at: 0) ?? []
        // A writer starts an empty file afresh; a reader may meet one being created.
        if bytes.isEmpty, !missingIsDamage || space.rowCount == 0 { return }
        let header = try bytes.withUnsafeBytes { raw in
            switch VectorFileHeader.decode(raw) {
            case .success(let header): return header
            case .failure(let error): throw error.error(path: url.path)
            }
        }
        if let problem = Self.mismatch(header, of: space, codes: false) {
            throw MMSearchError(.fatal, "vector file \(url.path) \(problem)", reason: .indexDamaged)
        }
    }

    /// Opens the vector files of `space` for appending (creating them when missing), with tags
    /// filled in from the catalog for rows that lack them.
    func vectorFiles(for space: SpaceRecord, catalog: Catalog) throws -> SpaceVectorFiles {
        guard let type = VectorElementType(rawValue: space.elementType), type != .int8 else {
            throw MMSearchError(.fatal, "catalog \(catalog.url.path): space \(space.spaceID) has "
                                + "unknown element type '\(space.elementType)': upgrade mmsearch")
        }
        return try vectorFiles(named: space.vectorFile, of: space, elementType: type, catalog: catalog)
    }

    func vectorFiles(named name: String, of space: SpaceRecord, elementType: VectorElementType,
                     catalog: Catalog) throws -> SpaceVectorFiles {
        let files = try SpaceVectorFiles(masterURL: vectorURL(named: name), codesURL: codesURL(named: name),
                                         tagsURL: tagsURL(named: name), sumsURL: sumsURL(named: name),
                                         dimension: space.dimension,
                                         elementType: elementType, fingerprint: space.fingerprint)
        let missing = files.missingTags
        if !missing.isEmpty {
            _ = try catalog.modalityCodes(for: catalog.modalities(space: space.id))
            try files.fillTags(try catalog.read { db in try Catalog.tags(of: missing, space: space.id, in: db) })
        }
        return files
    }
}

extension Index {
    /// The embedded index in `directory` (see `EmbeddedStore`); opens nothing yet.
    public static func embedded(at directory: URL) -> Index {
        Index(store: EmbeddedStore(directory: directory))
    }
}
