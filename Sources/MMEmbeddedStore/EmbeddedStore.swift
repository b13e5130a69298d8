import Foundation
import GRDB
import MMSearchKit

/// The embedded store: one directory per index, a SQLite catalog and memory-mapped vector
/// files, for one person's files on one machine.
///
///     DIR/catalog.sqlite          SQLite catalog (WAL: also -wal and -shm files)
///     DIR/vectors/<space>.f32     one append-only vector file per space (or .f16)
///     DIR/vectors/<space>.f32.i8  its int8 twin, for the fast scan
///     DIR/vectors/<space>.f32.tags  one byte per row: the row's modality
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
    /// The read-only catalog, opened once by the first read that needs it.
    private let readOnlyCatalog = Locked<Catalog?>(nil)

    static let catalogName = "catalog.sqlite"
    static let vectorsFolder = "vectors"

    public init(directory: URL) {
        self.directory = directory
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
            let catalog = try Catalog(url: catalogURL, readOnly: true)
            cached = catalog
            return catalog
        }
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
        return try Catalog(url: catalogURL, readOnly: false)
    }

    // MARK: IndexStore

    public func spaces() throws -> [SpaceRecord] {
        try readCatalog().spaces()
    }

    public func writer(for space: SpaceID, storage: VectorStorage) throws -> any SpaceWriter {
        let catalog = try writeCatalog()
        let lock = try IndexLock(directory: directory)
        let record = try SpaceRecord.matching(space, in: catalog.spaces())
            ?? catalog.addSpace(space, elementType: VectorElementType(storage),
                                vectorFile: Self.vectorFileName(space, elementType: VectorElementType(storage), generation: 0))
        let files = try vectorFiles(for: record, catalog: catalog)
        // Rows a crash left uncommitted become tombstones; files whose vectors were lost (a
        // deleted or replaced vector file) are marked failed and embedded again.
        _ = try catalog.reconcile(space: record.id, vectorRows: files.rowCount)
        return EmbeddedWriter(catalog: catalog, lock: lock, space: record, files: files)
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

    // MARK: Vector files

    /// The file name of a vector file of `space`: `<pack>-<dimension>-<fingerprint>.f32`, with
    /// `-<generation>` before the extension for files written by compaction.
    static func vectorFileName(_ space: SpaceID, elementType: VectorElementType, generation: Int) -> String {
        let safeName = String(space.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let suffix = generation > 0 ? "-\(generation)" : ""
        return "\(safeName)-\(space.dimension)-\(space.fingerprint.prefix(16))\(suffix).\(elementType.rawValue)"
    }

    func vectorURL(named name: String) -> URL {
        directory.appendingPathComponent(Self.vectorsFolder).appendingPathComponent(name)
    }

    /// The int8 twin of a vector file: the file's name with `.i8` appended.
    func codesURL(named name: String) -> URL { vectorURL(named: name + ".i8") }

    /// The tag file of a vector file: the file's name with `.tags` appended.
    func tagsURL(named name: String) -> URL { vectorURL(named: name + ".tags") }

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
        let path = file.url.path
        guard file.dimension == space.dimension else {
            throw MMSearchError(.fatal, "vector file \(path) holds \(file.dimension)-d "
                                + "vectors but space \(space.spaceID) is \(space.dimension)-d")
        }
        guard file.header.fingerprint == VectorFileHeader.storedFingerprint(space.fingerprint) else {
            throw MMSearchError(.fatal, "vector file \(path) holds vectors of space "
                                + "\(file.header.fingerprint), not of \(space.spaceID)")
        }
        guard (file.elementType == .int8) == codes else {
            throw MMSearchError(.fatal, "vector file \(path) holds \(file.elementType) rows, "
                                + "expected \(codes ? "int8" : space.elementType)")
        }
        return file
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
                                         tagsURL: tagsURL(named: name), dimension: space.dimension,
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
