import Foundation
import MMSearchKit
#if canImport(Glibc)
import Glibc
#endif

/// Keeps watch over folders (Linux inotify) and reports, after each burst of changes has
/// settled, the paths that changed: created, written, deleted, moved in or out. A burst is
/// waited out for `debounce` seconds of quiet (at most `maxDelay` after its first event), so
/// that 200 files copied at once make one or a few batches. When the kernel's event queue
/// overflows, events were lost: the batch says `overflow` and the caller rescans everything.
/// New folders are watched as they appear; folders in `excluded` (the index's own) are not, nor
/// names an index run skips (`skipped`: hidden ones unless `--include-hidden`, `--exclude`).
final class FolderWatcher: @unchecked Sendable {
    struct Batch: Sendable {
        var paths: Set<String> = []
        var overflow = false
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let roots: [String]
    private let excluded: [String]
    private let skipped: SkippedNames
    private let debounce: TimeInterval
    private let maxDelay: TimeInterval
    private let onBatch: @Sendable (Batch) -> Void
    private let stopped = CancellationFlag()
    private let done = DispatchGroup()
    // Owned by the watching thread once started.
    private var descriptor: Int32 = -1
    private var folders: [Int32: String] = [:]

    init(roots: [String], excluded: [String], skipped: SkippedNames, debounce: TimeInterval = 0.5,
         maxDelay: TimeInterval = 3, onBatch: @escaping @Sendable (Batch) -> Void) {
        self.roots = roots
        self.excluded = excluded
        self.skipped = skipped
        self.debounce = debounce
        self.maxDelay = maxDelay
        self.onBatch = onBatch
    }

    /// Starts watching (every folder under the roots) on a thread of its own.
    func start() throws {
        #if os(Linux)
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw Failure(description: "inotify: \(String(cString: strerror(errno)))") }
        for root in roots { try watchTree(root, required: true) }
        done.enter()
        Thread.detachNewThread { [self] in
            loop()
            close(descriptor)
            done.leave()
        }
        #else
        throw Failure(description: "watching folders needs Linux's inotify")
        #endif
    }

    /// Stops watching; returns once the thread has ended (a batch being reported is finished).
    func stop() {
        stopped.cancel()
        done.wait()
    }

    #if os(Linux)
    private static let mask = UInt32(IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB
                                     | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)

    /// Watches `folder` and every folder below it (symbolic links not followed, skipped names
    /// and the index's own folders left out).
    private func watchTree(_ folder: String, required: Bool = false) throws {
        guard !excluded.contains(where: { FilePaths.isSameOrInside(folder, $0) }) else { return }
        let wd = inotify_add_watch(descriptor, folder, Self.mask)
        if wd < 0 {
            if required { throw Failure(description: "\(folder): cannot watch: \(String(cString: strerror(errno)))") }
            return
        }
        folders[wd] = folder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where !skipped.contains(name) {
            let path = folder + "/" + name
            var info = stat()
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { try watchTree(path) }
        }
    }

    private func loop() {
        var batch = Batch()
        var first: Date?
        var last = Date()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { buffer.deallocate() }
        while !stopped.isCancelled {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready > 0 {
                let count = Glibc.read(descriptor, buffer, 64 << 10)
                if count > 0 {
                    collect(events: buffer, count: count, into: &batch)
                    last = Date()
                    if first == nil { first = last }
                }
            }
            if let started = first, Date().timeIntervalSince(last) >= debounce || Date().timeIntervalSince(started) >= maxDelay {
                onBatch(batch)
                batch = Batch()
                first = nil
            }
        }
    }

    private func collect(events buffer: UnsafeMutableRawPointer, count: Int, into batch: inout Batch) {
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= count {
            let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
            let nameLength = Int(event.len)
            defer { offset += header + nameLength }
            if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                batch.overflow = true
                continue
            }
            if event.mask & UInt32(IN_IGNORED) != 0 {
                folders.removeValue(forKey: event.wd)
                continue
            }
            guard let folder = folders[event.wd] else { continue }
            var name = ""
            if nameLength > 0 {
                let start = buffer.advanced(by: offset + header).assumingMemoryBound(to: CChar.self)
                name = String(cString: start)
            }
            let path = name.isEmpty ? folder : folder + "/" + name
            if skipped.contains(name) || excluded.contains(where: { FilePaths.isSameOrInside(path, $0) }) { continue }
            batch.paths.insert(path)
            // A folder created or moved in: watch it and what it already holds.
            if event.mask & UInt32(IN_ISDIR) != 0, event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                try? watchTree(path)
            }
        }
    }
    #endif
}
