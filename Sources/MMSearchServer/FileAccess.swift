import Foundation
import MMMedia
import MMSearchKit
#if canImport(Glibc)
import Glibc
#endif

/// Files are reached by id only, and only when they are what the index holds: an indexed file
/// (with vectors, in the served space) whose path lies in a served root — and still does once
/// symbolic links are resolved. Without served roots, a file is served only when no symbolic
/// link is on its way. A file deleted or unreadable since it was indexed is not found.
struct FileAccess: Sendable {
    /// The served roots as given (standardised) and with symbolic links resolved.
    let roots: [String]
    let realRoots: [String]

    init(roots: [String]) {
        self.roots = roots
        realRoots = roots.map { Self.realPath($0) ?? $0 }
    }

    /// An indexed file that may be served, opened for reading.
    struct ServedFile {
        let details: FileDetails
        let realPath: String
        let descriptor: Int32
        let size: Int64
        let mtimeNs: Int64

        var id: Int64 { details.record.id }
        /// Names this version of the file: changes when the file does.
        var version: String { "\(id)-\(size)-\(mtimeNs)" }

        func close() { _ = Glibc.close(descriptor) }
    }

    /// The file with this id, opened; the caller closes it.
    func open(id: Int64, reader: IndexReader) throws -> ServedFile {
        guard let details = try reader.file(id: id) else { throw APIError.notFound("no indexed file has id \(id)") }
        let path = details.record.path
        guard let real = Self.realPath(path) else {
            throw APIError.notFound("file \(id) is gone from disk since it was indexed")
        }
        if roots.isEmpty {
            guard real == path else {
                throw APIError.forbidden("file \(id) is reached through a symbolic link: not served without --root")
            }
        } else {
            guard roots.contains(where: { FilePaths.isSameOrInside(path, $0) }),
                  realRoots.contains(where: { FilePaths.isSameOrInside(real, $0) }) else {
                throw APIError.forbidden("file \(id) is outside the served folders")
            }
        }
        let descriptor = Glibc.open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw APIError.notFound("file \(id) cannot be opened: \(String(cString: strerror(errno)))") }
        guard case .success(let info) = FileInfo.of(descriptor: descriptor), info.kind == .regular else {
            _ = Glibc.close(descriptor)
            throw APIError.notFound("file \(id) is no longer a regular file")
        }
        return ServedFile(details: details, realPath: real, descriptor: descriptor, size: info.size, mtimeNs: info.mtimeNs)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The media type a browser needs to show or play a file, by its extension.
    static func mediaType(_ path: String) -> String {
        switch FilePaths.fileExtension(path) {
        case "jpg", "jpeg": "image/jpeg"
        case "png": "image/png"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "wav": "audio/wav"
        case "mp3": "audio/mpeg"
        case "flac": "audio/flac"
        case "ogg", "oga", "opus": "audio/ogg"
        case "m4a": "audio/mp4"
        case "mp4", "m4v": "video/mp4"
        case "webm": "video/webm"
        case "mkv": "video/x-matroska"
        case "mov": "video/quicktime"
        case "txt": "text/plain; charset=utf-8"
        case "md": "text/markdown; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}

/// A `Range: bytes=…` header, as far as a media player uses it: one range (several are
/// answered with the whole file, which RFC 9110 allows).
enum ByteRange {
    enum Outcome: Equatable {
        case whole
        case part(ClosedRange<Int64>)
        case unsatisfiable
    }

    static func parse(_ header: String?, size: Int64) -> Outcome {
        guard let header = header?.trimmingCharacters(in: .whitespaces), header.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst(6)
        guard !spec.contains(",") else { return .whole }
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard bounds.count == 2 else { return .whole }
        switch (Int64(bounds[0]), Int64(bounds[1])) {
        case (let start?, let end?) where start >= 0 && start <= end:
            guard start < size else { return .unsatisfiable }
            return .part(start...min(end, size - 1))
        case (let start?, nil) where bounds[1].isEmpty && start >= 0:
            guard start < size else { return .unsatisfiable }
            return .part(start...(size - 1))
        case (nil, let suffix?) where bounds[0].isEmpty && suffix > 0:
            guard size > 0 else { return .unsatisfiable }
            return .part(max(0, size - suffix)...(size - 1))
        default:
            return bounds[0].isEmpty && bounds[1] == "0" ? .unsatisfiable : .whole
        }
    }
}

/// Thumbnails cached on disk (beside the index): a folder per file id, a JPEG per file version
/// and size (`<size>-<bytes>-<mtime>.jpg`). A file that changes gets a new name, and its old
/// thumbnails of that size are removed.
struct ThumbnailCache: Sendable {
    let folder: URL?
    /// The most bytes the cache keeps: past it, the thumbnails least recently made or shown go
    /// until it is down to three quarters.
    let limit: Int64
    /// Bytes in the cache, counted once on first use and then kept up to date.
    private let total = Locked<Int64?>(nil)

    init(folder: URL?, limit: Int64 = ServerOptions.defaultThumbnailCacheLimit) {
        self.folder = folder
        self.limit = max(0, limit)
    }

    func jpeg(for file: FileAccess.ServedFile, size: Int) throws -> [UInt8] {
        let name = "\(size)-\(file.size)-\(file.mtimeNs).jpg"
        let own = folder?.appendingPathComponent(String(file.id))
        if let own, let cached = FileManager.default.contents(atPath: own.appendingPathComponent(name).path) {
            Self.markUsed(own.appendingPathComponent(name))
            return [UInt8](cached)
        }
        let bytes = try Thumbnail.jpeg(contentsOf: URL(fileURLWithPath: file.realPath), size: size)
        if let own { store(bytes, name: name, size: size, in: own) }
        return bytes
    }

    /// Removes the thumbnails of every file id not in `ids` (files gone from the index).
    func prune(keeping ids: Set<Int64>) {
        guard let folder else { return }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            guard let id = Int64(name), !ids.contains(id) else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        total.withLock { $0 = nil }
    }

    /// Every cached thumbnail with its size and when it was last made or shown, oldest first.
    private func entries() -> [(url: URL, bytes: Int64, used: Date)] {
        guard let folder else { return [] }
        var found: [(url: URL, bytes: Int64, used: Date)] = []
        let manager = FileManager.default
        for id in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where Int64(id) != nil {
            let own = folder.appendingPathComponent(id)
            for name in (try? manager.contentsOfDirectory(atPath: own.path)) ?? [] where name.hasSuffix(".jpg") && !name.hasPrefix(".") {
                let url = own.appendingPathComponent(name)
                guard let attributes = try? manager.attributesOfItem(atPath: url.path) else { continue }
                found.append((url, (attributes[.size] as? NSNumber)?.int64Value ?? 0,
                              attributes[.modificationDate] as? Date ?? .distantPast))
            }
        }
        return found.sorted { $0.used < $1.used }
    }

    /// Counts `added` bytes in (less `removed`), and trims the cache when it is over its limit.
    private func account(added: Int64, removed: Int64) {
        let over = total.withLock { total -> Bool in
            // Counted from the disk the first time (the new thumbnail is there already).
            let current = total.map { $0 + added - removed } ?? entries().reduce(0) { $0 + $1.bytes }
            total = current
            return current > limit
        }
        guard over else { return }
        var oldestFirst = entries()[...]
        var bytes = oldestFirst.reduce(0) { $0 + $1.bytes }
        while bytes > limit / 4 * 3, let oldest = oldestFirst.popFirst() {
            if (try? FileManager.default.removeItem(at: oldest.url)) != nil { bytes -= oldest.bytes }
        }
        total.withLock { $0 = bytes }
    }

    /// A thumbnail shown: its time moves to now (at most once a day, so showing a page of them
    /// rarely writes), so trimming takes the ones not seen for longest.
    private static func markUsed(_ url: URL) {
        let manager = FileManager.default
        guard let used = (try? manager.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
              Date().timeIntervalSince(used) > 86_400 else { return }
        try? manager.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
    }

    private func store(_ bytes: [UInt8], name: String, size: Int, in folder: URL) {
        let manager = FileManager.default
        try? manager.createDirectory(at: folder, withIntermediateDirectories: true)
        var removed: Int64 = 0
        for old in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where old.hasPrefix("\(size)-") {
            let url = folder.appendingPathComponent(old)
            let bytes = ((try? manager.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
            if (try? manager.removeItem(at: url)) != nil { removed += bytes }
        }
        let temporary = folder.appendingPathComponent(".\(name).\(UUID().uuidString)")
        guard manager.createFile(atPath: temporary.path, contents: Data(bytes)) else { return }
        if rename(temporary.path, folder.appendingPathComponent(name).path) != 0 {
            try? manager.removeItem(at: temporary)
            return
        }
        account(added: Int64(bytes.count), removed: removed)
    }
}
