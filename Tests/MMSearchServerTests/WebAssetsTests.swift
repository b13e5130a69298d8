import Foundation
@testable import MMSearchServer
import MMTestSupport
import Testing

/// The page and the API's description compiled into the binary are the files in
/// Sources/MMSearchServer/Web (Scripts/generate/web_assets.py writes them in).
struct WebAssetsTests {
    @Test func embeddedFilesAreTheWebFolder() throws {
        let folder = TestPaths.repository.appendingPathComponent("Sources/MMSearchServer/Web")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(WebAssets.files.keys.sorted() == names, "run Scripts/generate/web_assets.py")
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            #expect(WebAssets.files[name]?.bytes == bytes, "\(name) changed: run Scripts/generate/web_assets.py")
        }
        #expect(WebAssets.pageFiles.contains("index.html"))
        #expect(!WebAssets.pageFiles.contains("openapi.json"))
    }
}
