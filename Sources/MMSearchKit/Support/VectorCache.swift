import Foundation

/// Vectors computed once and kept as raw little-endian floats in a cache folder, under a name
/// that carries a digest of everything they depend on (space fingerprint, inputs). A cache
/// that cannot be read or written is only slower: the vectors are computed again.
public struct VectorCache: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The `count × dimension` floats stored under `key`, or `compute()`'s, stored for next time.
    public func vectors(key: String, count: Int, dimension: Int, compute: () throws -> [Float]) rethrows -> [Float] {
        var h = SHA256()
        h.update(key)
        let url = directory.appendingPathComponent("vectors-\(h.finalize().prefix(24)).f32")
        let expectedBytes = count * dimension * MemoryLayout<Float>.size
        if let data = try? Data(contentsOf: url), data.count == expectedBytes {
            let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            if values.allSatisfy(\.isFinite) { return values }
        }
        let values = try compute()
        precondition(values.count == count * dimension, "computed \(values.count) floats, expected \(count * dimension)")
        let tmp = directory.appendingPathComponent(".vectors-\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try values.withUnsafeBytes { try Data($0).write(to: tmp) }
            _ = try? FileManager.default.removeItem(at: url)
            try FileManager.default.moveItem(at: tmp, to: url)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
        }
        return values
    }
}
