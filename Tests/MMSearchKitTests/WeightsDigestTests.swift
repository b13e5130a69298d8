import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Where a pack's weight digests come from: the fetch script's manifest, else a cache keyed by
/// the file's identity, else the bytes.
@Suite struct WeightsDigestTests {
    static func sha256(_ text: String) -> String { SHA256.hex(text) }

    @Test func theDigestIsTheFilesSHA256AndIsCachedUntilTheFileChanges() throws {
        let temp = try TemporaryDirectory()
        let cache = temp.sub("cache")
        try temp.write("pack/model.safetensors", "weights v1")
        let digests = WeightsDigest(cacheDirectory: cache)
        let pack = temp.sub("pack")
        #expect(try digests.sha256(of: "model.safetensors", in: pack) == Self.sha256("weights v1"))
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(entries.count == 1)

        // The cache is what is read while the file is unchanged: a planted entry is believed…
        let entry = cache.appendingPathComponent(try #require(entries.first))
        let planted = String(repeating: "a", count: 64)
        try Data((planted + "\n").utf8).write(to: entry)
        #expect(try digests.sha256(of: "model.safetensors", in: pack) == planted)

        // …and ignored once the file's size or modification time changed.
        try temp.write("pack/model.safetensors", "weights v2!", mtime: Date(timeIntervalSince1970: 1_000_000))
        #expect(try digests.sha256(of: "model.safetensors", in: pack) == Self.sha256("weights v2!"))
    }

    @Test func theManifestSuppliesDigestsWithoutReadingTheFilesUnlessTheSizeDisagrees() throws {
        let temp = try TemporaryDirectory()
        try temp.write("pack/model.safetensors", "weights")
        let recorded = String(repeating: "b", count: 64)
        try temp.write("pack/manifest.json", #"{"files": {"model.safetensors": "\#(recorded)"}, "sizes": {"model.safetensors": 7}}"#)
        let digests = WeightsDigest(cacheDirectory: nil)
        #expect(try digests.sha256(of: "model.safetensors", in: temp.sub("pack")) == recorded)
        try temp.write("pack/model.safetensors", "other weights")
        #expect(try digests.sha256(of: "model.safetensors", in: temp.sub("pack")) == Self.sha256("other weights"))
    }

    @Test func theCombinedDigestIsTheSameFromTheManifestAndFromTheBytes() throws {
        let temp = try TemporaryDirectory()
        try temp.write("a/config.json", "{}")
        try temp.write("a/model.safetensors", "weights")
        let fromBytes = try WeightsDigest(cacheDirectory: nil).combined(["config.json", "model.safetensors"], in: temp.sub("a"))
        try temp.write("b/config.json", "{}")
        try temp.write("b/model.safetensors", "weights")
        try temp.write("b/manifest.json", #"{"files": {"config.json": "\#(Self.sha256("{}"))", "model.safetensors": "\#(Self.sha256("weights"))"}}"#)
        let fromManifest = try WeightsDigest(cacheDirectory: nil).combined(["config.json", "model.safetensors"], in: temp.sub("b"))
        #expect(fromBytes == fromManifest)
    }

    @Test func aMissingFileIsAnErrorNamingIt() throws {
        let temp = try TemporaryDirectory()
        #expect {
            _ = try WeightsDigest(cacheDirectory: nil).sha256(of: "model.safetensors", in: temp.url)
        } throws: { error in
            "\(error)".contains(temp.sub("model.safetensors").path)
        }
    }
}
