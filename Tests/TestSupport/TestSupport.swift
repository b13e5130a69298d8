import Foundation
import MMEmbeddedStore
import MMSearchKit

/// Where tests find their committed fixtures and the fetched model weights.
public enum TestPaths {
    /// The repository root (this file is Tests/TestSupport/TestSupport.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> URL {
        repository.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// The models directory, exactly where the product looks (`Locations.modelsDirectory`) and
    /// the fetch script puts them: `$MMSEARCH_MODELS`, else `$XDG_CACHE_HOME/mmsearch/models`,
    /// else `$HOME/.cache/mmsearch/models`.
    public static var models: URL { Locations.current().modelsDirectory() }

    /// A directory of the `lite` pack, failing loudly when the weights were not fetched: the
    /// test command fetches them, so a missing pack is a setup error, not a reason to skip.
    public static func litePack(_ component: String) throws -> URL {
        let url = models.appendingPathComponent("lite").appendingPathComponent(component)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SetupError("\(url.path) is missing: run Scripts/fetch/models.py lite")
        }
        return url
    }

    /// 20 random letters for a temporary folder's name. Not a UUID: hybrid search indexes the
    /// words of whole paths, and a UUID's digit runs ("…-3F99A2…" holds the word "99") would
    /// make a test's keyword match every file under the folder now and then.
    public static func uniqueSuffix() -> String {
        let letters = Array("ghjkmnpqrstvwxyz")
        return String((0..<20).map { _ in letters.randomElement()! })
    }

    /// Decodes a JSON fixture.
    public static func json<T: Decodable>(_ type: T.Type, _ relative: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: fixture(relative)))
    }
}

public struct SetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Largest absolute element-wise difference.
/// The cosine of the angle between `a` and `b` (any lengths of the vectors themselves).
public func cosine(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count)")
    let dot = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
    let norms = (a.reduce(Float(0)) { $0 + $1 * $1 } * b.reduce(Float(0)) { $0 + $1 * $1 }).squareRoot()
    return dot / norms
}

public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count)")
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Running the built `mmsearch` command line from tests.
public enum CommandLineTool {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The `mmsearch` executable built next to the test bundle (`swift build --build-tests`
    /// builds it with the tests).
    public static var executable: URL {
        get throws {
            var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("mmsearch")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
            throw SetupError("mmsearch executable not found next to \(CommandLine.arguments[0]): build with `swift build --build-tests`")
        }
    }

    /// Runs `mmsearch arguments…` and collects its exit status and output.
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe never blocks the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh temporary directory, removed when the value is deinitialised.
public final class ScratchDirectory: @unchecked Sendable {
    public let url: URL

    public init(_ label: String = "mmsearch-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(TestPaths.uniqueSuffix())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }
}

extension Engine {
    /// An engine over the embedded index in `indexDirectory` (created by the first index run).
    public init(pack: ModelPack, indexDirectory: URL) {
        self.init(pack: pack, index: .embedded(at: indexDirectory))
    }
}
