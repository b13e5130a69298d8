import Foundation
import Testing
import MMTestSupport
@testable import MMEmbeddedStore
@testable import mmsearch
@testable import MMSearchKit

@Suite struct SpaceTests {
    @Test(arguments: TestStore.allCases) func anIndexRunRefusesAnIndexBuiltInAnotherSpace(store: TestStore) throws {
        let f = try Fixture(store: store)
        try f.photo("a.jpg", "a")
        _ = try f.index()
        let other = try testPack(name: "clip-vit-b32", fingerprint: "beef", dimension: 24)
        let engine = Engine(pack: other, index: f.index)
        #expect {
            _ = try engine.index(roots: [f.photos])
        } throws: { error in
            guard let error = error as? MMSearchError else { return false }
            // The command line adds what to do (CommandLineParsingTests).
            return error.kind == .fatal
                && Advice.message(for: error) == "index built with \(f.pack.space), encoder is \(other.space): "
                    + "pick --model test, or build clip-vit-b32's space beside it with `mmsearch index --model "
                    + "clip-vit-b32 FOLDER` (see `mmsearch spaces`)"
        }
    }

    @Test(arguments: TestStore.allCases) func aQueryRefusesAnIndexFromAnotherSpace(store: TestStore) throws {
        let f = try Fixture(store: store)
        try f.photo("a.jpg", "a")
        _ = try f.index()
        // Same name and dimension, other weights: still another space.
        let other = try testPack(name: "test", fingerprint: "beefcafe", dimension: 24)
        let engine = Engine(pack: other, index: f.index)
        #expect {
            _ = try engine.search(.text("a"), limit: 3)
        } throws: { error in
            guard let error = error as? MMSearchError else { return false }
            let message = Advice.message(for: error)
            return message.contains("(24-d, f00d)") && message.contains("(24-d, beefcafe)")
                && message.hasSuffix("the test weights changed since the index was built; `mmsearch index "
                                     + "--model test FOLDER` builds a space for them beside the old one (see `mmsearch spaces`)")
        }
    }

    @Test func aMismatchMessageShowsWholeFingerprintsWhenTheirPrefixesAgree() {
        let a = SpaceID(name: "lite", dimension: 384, fingerprint: "0123456789abcdef-1")
        let b = SpaceID(name: "lite", dimension: 384, fingerprint: "0123456789abcdef-2")
        let message = MMSearchError.spaceMismatch(index: a, encoder: b).message
        #expect(message.contains("0123456789abcdef-1") && message.contains("0123456789abcdef-2"))
    }

    @Test func aQueryOnAMissingIndexSaysHowToMakeOne() throws {
        let temp = try TemporaryDirectory()
        let engine = Engine(pack: try testPack(), indexDirectory: temp.sub("nothing-here"))
        #expect {
            _ = try engine.search(.text("a dog"), limit: 3)
        } throws: { error in
            let e = error as? MMSearchError
            return e?.kind == .fatal && e.map(Advice.message(for:))?.contains("mmsearch index") == true
        }
        #expect(!FileManager.default.fileExists(atPath: temp.sub("nothing-here").path),
                "a query never creates an index")
    }

    @Test func aPackRefusesEncodersOfAnotherSpaceOrClashingTypes() throws {
        let a = SpaceID(name: "a", dimension: 8, fingerprint: "1")
        let b = SpaceID(name: "b", dimension: 8, fingerprint: "2")
        #expect(throws: MMSearchError.self) {
            _ = try ModelPack(name: "a", space: a, encoders: [HashTextEncoder(space: b)])
        }
        #expect(throws: MMSearchError.self) {
            _ = try ModelPack(name: "a", space: a, encoders: [
                HashImageEncoder(space: a, counter: CallCounter()),
                HashImageEncoder(space: a, counter: CallCounter(), extensions: ["png"]),
            ])
        }
    }

    @Test func aPackFindsEncodersByModalityAndCaseInsensitiveExtension() throws {
        let pack = try testPack()
        #expect(pack.encoder(for: .text)?.info.name == "hash-text")
        #expect(pack.encoder(for: .image)?.info.name == "hash-image")
        #expect(pack.encoder(for: .audio) == nil)
        #expect(pack.encoder(forFileExtension: "JPG")?.info.name == "hash-image")
        #expect(pack.encoder(forFile: "/x/y.Png")?.info.name == "hash-image")
        #expect(pack.encoder(forFile: "/x/y.gif") == nil)
        #expect(pack.fileExtensions == ["jpeg", "jpg", "png"])
    }
}
