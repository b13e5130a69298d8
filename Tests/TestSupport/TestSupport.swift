import Foundation

/// Where tests find their committed fixtures and the fetched model weights.
public enum TestPaths {
    /// The repository root (this file is Tests/TestSupport/TestSupport.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> URL {
        repository.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// The models directory the fetch script fills: `$MMSEARCH_MODELS`, else
    /// `$XDG_CACHE_HOME/mmsearch/models`, else `~/.cache/mmsearch/models`.
    public static var models: URL {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["MMSEARCH_MODELS"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return cache.appendingPathComponent("mmsearch/models")
    }

    /// A directory of the `lite` pack, failing loudly when the weights were not fetched: the
    /// test command fetches them, so a missing pack is a setup error, not a reason to skip.
    public static func litePack(_ component: String) throws -> URL {
        let url = models.appendingPathComponent("lite").appendingPathComponent(component)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SetupError("\(url.path) is missing: run Scripts/fetch-models.sh lite")
        }
        return url
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
public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count)")
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}
