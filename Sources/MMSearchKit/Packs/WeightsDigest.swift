import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SHA-256 of a model pack's files, which space fingerprints are made of, found without
/// reading hundreds of megabytes on every start:
///
/// 1. from the pack's `manifest.json` (written by `Scripts/fetch/models.py`), when it lists the
///    file, and the file's size agrees with the manifest's `sizes` entry where there is one;
/// 2. else from the digest cache, when the file's real path, size, modification time and
///    inode are those it was hashed with;
/// 3. else by reading the file; the result then goes into the cache.
///
/// The cache is one small file per digest in `cacheDirectory` (`$XDG_CACHE_HOME/mmsearch/
/// digests`), written atomically, so several processes may share it; a cache that cannot be
/// written only makes the next start slower.
public struct WeightsDigest: Sendable {
    /// Where digests of files without a manifest are kept; nil: nowhere (always hashed).
    public let cacheDirectory: URL?

    public init(cacheDirectory: URL?) {
        self.cacheDirectory = cacheDirectory
    }

    /// The digests of the files at `relativePaths` in `directory`, as `path sha256` lines, one
    /// per file in the order given, hashed together: the same files give the same value
    /// whether a manifest, the cache or the bytes supplied their digests.
    public func combined(_ relativePaths: [String], in directory: URL) throws -> String {
        let manifest = Manifest.read(directory)
        var h = SHA256()
        for path in relativePaths {
            h.update("\(path) \(try sha256(of: path, in: directory, manifest: manifest))\n")
        }
        return h.finalize()
    }

    /// The SHA-256 (hex) of the file at `relativePath` in `directory`.
    public func sha256(of relativePath: String, in directory: URL) throws -> String {
        try sha256(of: relativePath, in: directory, manifest: Manifest.read(directory))
    }

    /// The digest of a whole pack as the `lite` pack has always made it (its fingerprints, and so
    /// its users' indexes, depend on this exact rule): every `path sha256` line of the manifest,
    /// sorted by path, when there is a manifest; else one `name sha256` line per file of `files`
    /// (its last path component).
    public func packDigest(directory: URL, files: [URL]) throws -> String {
        var h = SHA256()
        if let manifest = Manifest.read(directory), !manifest.files.isEmpty {
            for (path, digest) in manifest.files.sorted(by: { $0.key < $1.key }) { h.update("\(path) \(digest)\n") }
            return h.finalize()
        }
        for url in files {
            h.update("\(url.lastPathComponent) \(try cachedOrComputed(url))\n")
        }
        return h.finalize()
    }

    private func sha256(of relativePath: String, in directory: URL, manifest: Manifest?) throws -> String {
        let url = directory.appendingPathComponent(relativePath)
        if let manifest, let digest = manifest.files[relativePath], Self.isDigest(digest) {
            let expected = manifest.sizes?[relativePath]
            if expected == nil || expected == (try? FileInfo.of(url.path).get())?.size { return digest }
        }
        return try cachedOrComputed(url)
    }

    /// The cache's digest of `url` when its identity is unchanged, else the file's own.
    func cachedOrComputed(_ url: URL) throws -> String {
        try cached(key: try Self.identity(of: url)) { try Self.hashFile(url) }
    }

    /// A digest made from `files` by `compute` (a model's fingerprint that reads parts of its
    /// files), kept in the cache under `name` and the files' identities (real path, size,
    /// modification time, inode): computed again only when one of the files changes. A file
    /// that cannot be examined is left to `compute`, uncached.
    public func derived(_ name: String, from files: [URL], compute: () throws -> String) rethrows -> String {
        guard let identities = try? files.map({ try Self.identity(of: $0) }) else { return try compute() }
        return try cached(key: ([name] + identities).joined(separator: "\u{1}"), compute: compute)
    }

    /// A file's identity in cache keys: real path, size, modification time, device and inode.
    private static func identity(of url: URL) throws -> String {
        let path = url.resolvingSymlinksInPath().path
        let info: FileInfo
        switch FileInfo.of(path) {
        case .success(let found) where found.kind == .regular: info = found
        case .success: throw MMSearchError(.fatal, "\(url.path): not a regular file")
        case .failure(let reason): throw MMSearchError(.fatal, "\(url.path): \(reason.text)")
        }
        return "\(path)\u{0}\(info.size)\u{0}\(info.mtimeNs)\u{0}\(info.identity.device)\u{0}\(info.identity.inode)"
    }

    /// The digest cached under `key`, or `compute()`'s, then cached.
    private func cached(key: String, compute: () throws -> String) rethrows -> String {
        let entry = cacheDirectory?.appendingPathComponent(String(SHA256.hex(key).prefix(32)))
        if let entry, let data = try? Data(contentsOf: entry),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
           Self.isDigest(text) {
            return text
        }
        let digest = try compute()
        if let entry, let directory = cacheDirectory, Self.isDigest(digest) { Self.store(digest, at: entry, in: directory) }
        return digest
    }

    /// SHA-256 of a file's bytes, read a megabyte at a time.
    static func hashFile(_ url: URL) throws -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw MMSearchError(.fatal, "\(url.path): cannot be read (\((error as NSError).localizedDescription))")
        }
        defer { try? handle.close() }
        var h = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { h.update($0) }
            }
        } catch {
            throw MMSearchError(.fatal, "\(url.path): cannot be read (\((error as NSError).localizedDescription))")
        }
        return h.finalize()
    }

    private static func store(_ digest: String, at entry: URL, in directory: URL) {
        let tmp = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data((digest + "\n").utf8).write(to: tmp)
            _ = rename(tmp.path, entry.path)
        } catch {}
        try? FileManager.default.removeItem(at: tmp)
    }

    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The part of `manifest.json` digests need: `files` (path → sha256) and, when the fetch
    /// script recorded them, `sizes` (path → bytes).
    struct Manifest: Decodable {
        let files: [String: String]
        let sizes: [String: Int64]?

        static func read(_ directory: URL) -> Manifest? {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")) else { return nil }
            return try? JSONDecoder().decode(Manifest.self, from: data)
        }
    }
}
