import Foundation

/// An index directory on disk:
///
///     DIR/catalog.sqlite        SQLite catalog (WAL: also -wal and -shm files)
///     DIR/vectors/<space>.f32   one append-only vector segment per space (or .f16)
///     DIR/vectors/<space>.f32.i8  its int8 twin, for the fast scan
///     DIR/lock                  held by the process writing to the index
public final class IndexStore: Sendable {
    public let directory: URL
    public let catalog: Catalog

    static let catalogName = "catalog.sqlite"
    static let vectorsFolder = "vectors"

    private init(directory: URL, catalog: Catalog) {
        self.directory = directory
        self.catalog = catalog
    }

    /// Opens an existing index without changing it; a missing index is an error that says how
    /// to make one.
    public static func openForReading(at directory: URL) throws -> IndexStore {
        let catalogURL = directory.appendingPathComponent(catalogName)
        guard FileManager.default.fileExists(atPath: catalogURL.path) else {
            throw MMSearchError.indexMissing(directory)
        }
        return IndexStore(directory: directory, catalog: try Catalog(url: catalogURL, readOnly: true))
    }

    /// Opens the index at `directory` for writing, creating the directory and the catalog when
    /// needed.
    public static func openForWriting(at directory: URL) throws -> IndexStore {
        do {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(vectorsFolder), withIntermediateDirectories: true)
        } catch {
            throw MMSearchError(.fatal, "index \(directory.path) cannot be created: "
                                + "\((error as NSError).localizedDescription)")
        }
        let catalog = try Catalog(url: directory.appendingPathComponent(catalogName), readOnly: false)
        return IndexStore(directory: directory, catalog: catalog)
    }

    /// The recorded space equal to `space`; nil when the index holds no space yet.
    ///
    /// An index that holds another space refuses: mixing vectors of two spaces gives
    /// meaningless scores, so the error names both and what to do.
    public func space(matching space: SpaceID) throws -> SpaceRecord? {
        let spaces = try catalog.spaces()
        if let match = spaces.first(where: { $0.spaceID == space }) { return match }
        if let other = spaces.first { throw MMSearchError.spaceMismatch(index: other.spaceID, encoder: space) }
        return nil
    }

    /// Records `space` in the catalog, its vectors to be stored as `storage` (f32 or f16).
    func addSpace(_ space: SpaceID, storage: VectorElementType) throws -> SpaceRecord {
        try catalog.addSpace(space, elementType: storage,
                             segment: Self.segmentName(space, storage: storage, generation: 0))
    }

    /// The file name of a segment of `space`: `<pack>-<dimension>-<fingerprint>.f32`, with
    /// `-<generation>` before the extension for segments written by compaction.
    static func segmentName(_ space: SpaceID, storage: VectorElementType, generation: Int) -> String {
        let safeName = String(space.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let suffix = generation > 0 ? "-\(generation)" : ""
        return "\(safeName)-\(space.dimension)-\(space.fingerprint.prefix(16))\(suffix).\(storage.rawValue)"
    }

    func segmentURL(_ space: SpaceRecord) -> URL { segmentURL(named: space.segment) }

    func segmentURL(named name: String) -> URL {
        directory.appendingPathComponent(Self.vectorsFolder).appendingPathComponent(name)
    }

    /// The int8 twin of a segment: the segment's name with `.i8` appended.
    func codesURL(named name: String) -> URL { segmentURL(named: name + ".i8") }

    /// The tag file of a segment: the segment's name with `.tags` appended.
    func tagsURL(named name: String) -> URL { segmentURL(named: name + ".tags") }

    /// Maps the vector segment of `space` (reads its header only).
    public func mapSegment(of space: SpaceRecord) throws -> MappedVectorSegment {
        try mapSegment(named: space.segment, of: space)
    }

    /// Maps the master segment `name` of `space`, checking that it holds that space's vectors.
    func mapSegment(named name: String, of space: SpaceRecord,
                    access: MappedVectorSegment.Access = .sequential) throws -> MappedVectorSegment {
        try checked(MappedVectorSegment(url: segmentURL(named: name), access: access), of: space, codes: false)
    }

    /// Maps the int8 twin of segment `name` of `space`.
    func mapCodes(named name: String, of space: SpaceRecord) throws -> MappedVectorSegment {
        try checked(MappedVectorSegment(url: codesURL(named: name)), of: space, codes: true)
    }

    private func checked(_ segment: MappedVectorSegment, of space: SpaceRecord, codes: Bool) throws -> MappedVectorSegment {
        let path = segment.url.path
        guard segment.dimension == space.dimension else {
            throw MMSearchError(.fatal, "vector file \(path) holds \(segment.dimension)-d "
                                + "vectors but space \(space.spaceID) is \(space.dimension)-d")
        }
        guard segment.header.fingerprint == VectorSegmentHeader.storedFingerprint(space.fingerprint) else {
            throw MMSearchError(.fatal, "vector file \(path) holds vectors of space "
                                + "\(segment.header.fingerprint), not of \(space.spaceID)")
        }
        guard (segment.elementType == .int8) == codes else {
            throw MMSearchError(.fatal, "vector file \(path) holds \(segment.elementType) rows, "
                                + "expected \(codes ? "int8" : space.elementType)")
        }
        return segment
    }

    /// Opens the segments of `space` for appending (creating them when missing), with tags
    /// filled in from the catalog for rows that lack them.
    func segmentWriter(for space: SpaceRecord) throws -> SpaceSegmentWriter {
        guard let type = VectorElementType(rawValue: space.elementType), type != .int8 else {
            throw MMSearchError(.fatal, "catalog \(catalog.url.path): space \(space.spaceID) has "
                                + "unknown element type '\(space.elementType)': upgrade mmsearch")
        }
        return try segmentWriter(named: space.segment, of: space, storage: type)
    }

    func segmentWriter(named name: String, of space: SpaceRecord, storage: VectorElementType) throws -> SpaceSegmentWriter {
        let writer = try SpaceSegmentWriter(masterURL: segmentURL(named: name), codesURL: codesURL(named: name),
                                            tagsURL: tagsURL(named: name), dimension: space.dimension,
                                            elementType: storage, fingerprint: space.fingerprint)
        let missing = writer.missingTags
        if !missing.isEmpty {
            _ = try catalog.modalityCodes(for: catalog.modalities(space: space.id))
            try writer.fillTags(try catalog.read { db in try Catalog.tags(of: missing, space: space.id, in: db) })
        }
        return writer
    }

    /// Maps the tag file of segment `name`.
    func mapTags(named name: String) throws -> MappedRowTags {
        try MappedRowTags(url: tagsURL(named: name))
    }

    /// Takes the writer's lock of this index.
    func lockForWriting() throws -> IndexLock {
        try IndexLock(directory: directory)
    }
}
