import Foundation

/// An index directory on disk:
///
///     DIR/catalog.sqlite        SQLite catalog (WAL: also -wal and -shm files)
///     DIR/vectors/<space>.f32   one append-only vector segment per space
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

    /// Records `space` in the catalog with a new segment file name.
    func addSpace(_ space: SpaceID) throws -> SpaceRecord {
        let safeName = space.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        let segment = "\(String(safeName))-\(space.dimension)-\(space.fingerprint.prefix(16)).f32"
        return try catalog.addSpace(space, elementType: .f32, segment: segment)
    }

    func segmentURL(_ space: SpaceRecord) -> URL {
        directory.appendingPathComponent(Self.vectorsFolder).appendingPathComponent(space.segment)
    }

    /// Maps the vector segment of `space` (reads its header only).
    public func mapSegment(of space: SpaceRecord) throws -> MappedVectorSegment {
        let segment = try MappedVectorSegment(url: segmentURL(space))
        guard segment.dimension == space.dimension else {
            throw MMSearchError(.fatal, "vector file \(segment.url.path) holds \(segment.dimension)-d "
                                + "vectors but space \(space.spaceID) is \(space.dimension)-d")
        }
        return segment
    }

    /// Opens the segment of `space` for appending (creating it when missing).
    func segmentWriter(for space: SpaceRecord) throws -> VectorSegmentWriter {
        guard let type = VectorElementType(rawValue: space.elementType) else {
            throw MMSearchError(.fatal, "catalog \(catalog.url.path): space \(space.spaceID) has "
                                + "unknown element type '\(space.elementType)': upgrade mmsearch")
        }
        return try VectorSegmentWriter(url: segmentURL(space), dimension: space.dimension,
                                       elementType: type, fingerprint: space.fingerprint)
    }

    /// Takes the writer's lock of this index.
    func lockForWriting() throws -> IndexLock {
        try IndexLock(directory: directory)
    }
}
