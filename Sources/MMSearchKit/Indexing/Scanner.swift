import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a scan of one root found.
struct ScanResult: Sendable {
    var files: [ScannedFile] = []
    /// Paths that could not be scanned (a missing root, an unreadable folder) and why.
    var problems: [(path: String, reason: String)] = []
    /// Folders (or roots) whose content is unknown: files recorded under them must not be
    /// taken as deleted.
    var unknown: [String] = []
}

/// Walks folders for files with the given extensions.
///
/// Below the root it skips hidden files and folders (names starting with `.`) unless told
/// otherwise, entries whose name matches an excluded pattern (`fnmatch`, as `node_modules` or
/// `.Trash*`) or a pattern of an ignore file (`.mmsearchignore`, see `IgnoreFile`) in their
/// folder or one above it, and the folders in `excludedDirectories` (the index itself,
/// `--exclude` paths).
/// Follows symbolic links to files and to folders, but enters each folder once, so link
/// cycles end.
struct Scanner: Sendable {
    /// Lower-case extensions without the dot.
    let extensions: Set<String>
    /// Folders never entered, by identity.
    let excluded: Set<FileInfo.Identity>
    /// Names of folders and files never looked at.
    let skipped: SkippedNames

    init(extensions: some Sequence<String>, excludedDirectories: [String], excludedNames: [String] = [],
         includeHidden: Bool = false) {
        self.extensions = Set(extensions.map { $0.lowercased() })
        skipped = SkippedNames(patterns: excludedNames, includeHidden: includeHidden)
        var excluded = Set<FileInfo.Identity>()
        for path in excludedDirectories {
            if case .success(let info) = FileInfo.of(path), info.kind == .directory {
                excluded.insert(info.identity)
            }
        }
        self.excluded = excluded
    }

    /// Scans `root` (an absolute, standardised path to a folder or a file).
    /// `found` is called now and then with the number of files found so far.
    func scan(root: String, cancel: CancellationFlag? = nil, found: (Int) -> Void = { _ in }) -> ScanResult {
        var result = ScanResult()
        let rootInfo: FileInfo
        switch FileInfo.of(root) {
        case .failure(let reason):
            result.problems.append((root, reason.text))
            result.unknown.append(root)
            return result
        case .success(let info):
            rootInfo = info
        }
        switch rootInfo.kind {
        case .regular:
            if accepts(root) {
                result.files.append(ScannedFile(path: root, size: rootInfo.size, mtimeNs: rootInfo.mtimeNs))
            } else {
                let list = extensions.sorted().joined(separator: ", ")
                result.problems.append((root, "not a file type the model pack reads (\(list))"))
            }
            return result
        case .special:
            result.problems.append((root, "not a regular file or folder"))
            return result
        case .directory:
            break
        }
        if excluded.contains(rootInfo.identity) { return result }

        var visited: Set<FileInfo.Identity> = [rootInfo.identity]
        // Each folder with the ignore patterns of the folders above it.
        var pending: [(path: String, ignored: [String])] = [(root, [])]
        while let (directory, inherited) = pending.popLast() {
            if cancel?.isCancelled == true {
                result.unknown.append(directory)
                result.unknown.append(contentsOf: pending.map(\.path))
                break
            }
            let ignored = inherited + IgnoreFile.patterns(in: directory)
            guard let handle = opendir(directory) else {
                result.problems.append((directory, errno == ENAMETOOLONG ? Self.tooLong(directory)
                                                   : "folder cannot be read: \(POSIX.lastError)"))
                result.unknown.append(directory)
                continue
            }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let bytes = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: UInt8.self, capacity: Int(NAME_MAX) + 1) {
                        Array(UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))))
                    }
                }
                let type = entry.pointee.d_type
                let (name, isValid) = FilePaths.name(bytes: bytes)
                if name == "." || name == ".." { continue }
                if skipped.contains(name) || ignored.contains(where: { fnmatch($0, name, 0) == 0 }) { continue }
                let path = directory == "/" ? "/" + name : directory + "/" + name
                guard isValid else {
                    // The path cannot be spelled as text: shown and recorded with its bytes escaped.
                    result.problems.append((path, "the file name is not valid UTF-8: rename it to index it"))
                    continue
                }
                if type == UInt8(DT_REG), !accepts(path) { continue }
                let info: FileInfo
                switch FileInfo.of(path) {
                case .success(let found): info = found
                case .failure:
                    // Vanished meanwhile: nothing to say. Anything else is named.
                    if let problem = Self.unreachable(path) { result.problems.append((path, problem)) }
                    continue
                }
                switch info.kind {
                case .directory:
                    if !excluded.contains(info.identity), visited.insert(info.identity).inserted {
                        pending.append((path, ignored))
                    }
                case .regular:
                    if accepts(path) {
                        result.files.append(ScannedFile(path: path, size: info.size, mtimeNs: info.mtimeNs))
                        if result.files.count % 1000 == 0 { found(result.files.count) }
                    }
                case .special(let what):
                    result.problems.append((path, "not a regular file or folder (\(what))"))
                }
            }
        }
        found(result.files.count)
        return result
    }

    /// Why `stat` cannot reach `path` although its folder lists it; nil when it vanished
    /// meanwhile (nothing is there any more).
    static func unreachable(_ path: String) -> String? {
        var info = stat()
        if stat(path, &info) == 0 { return nil }  // there after all: the next run sees it
        let code = errno
        let linked = lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
        switch code {
        case ENOENT where linked:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " (to \($0))" } ?? ""
            return "a dangling symbolic link\(target): its target does not exist"
        case ENOENT:
            return nil
        case ENAMETOOLONG:
            return tooLong(path)
        case ELOOP:
            return "a symbolic link in a loop (too many levels of links)"
        default:
            return "cannot be read: \(String(cString: strerror(code)))"
        }
    }

    /// The reason for a path the system refuses as too long.
    static func tooLong(_ path: String) -> String {
        "the path is longer than the system allows (\(path.utf8.count) bytes; the limit is \(PATH_MAX))"
    }

    private func accepts(_ path: String) -> Bool {
        extensions.contains(FilePaths.fileExtension(path))
    }
}

/// A folder's `.mmsearchignore`: names (`fnmatch` patterns such as `*.tmp`, `drafts`,
/// `LICENSES.md`) that indexing skips in that folder and every folder below it, one per line;
/// blank lines and lines starting with `#` are skipped. It keeps a folder's own files (notes,
/// licences, build output) out of the index without flags on every run.
enum IgnoreFile {
    static let name = ".mmsearchignore"

    /// The patterns of the ignore file in `directory`; none when there is no such file.
    static func patterns(in directory: String) -> [String] {
        let path = directory == "/" ? "/" + name : directory + "/" + name
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
