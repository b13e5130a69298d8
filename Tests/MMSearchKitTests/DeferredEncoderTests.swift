import Foundation
import MMTestSupport
@testable import MMSearchKit
import Testing

/// `DeferredEncoder`: a pack's encoder whose model opens on first use (issue 12, cold start),
/// and the index run that opens what it needs before it embeds anything.
@Suite struct DeferredEncoderTests {
    static let space = SpaceID(name: "test", dimension: 24, fingerprint: "f00d")

    /// A deferred hash image encoder whose opening is counted, and fails with `failure` if set.
    static func deferred(opens: CallCounter, failure: String? = nil, counter: CallCounter = CallCounter()) -> DeferredEncoder {
        let image = HashImageEncoder(space: space, counter: counter)
        return DeferredEncoder(info: image.info) {
            opens.record("open")
            if let failure { throw MMSearchError(.fatal, failure) }
            return image
        }
    }

    @Test func theModelOpensOnFirstUseOnlyAndOnceForConcurrentCallers() throws {
        let opens = CallCounter()
        let encoder = Self.deferred(opens: opens)
        #expect(!encoder.isOpen)
        let pack = try ModelPack(name: "test", space: Self.space,
                                 encoders: [HashTextEncoder(space: Self.space, chunking: nil, counter: CallCounter()), encoder])
        // A text query's work: the image encoder is described, never opened.
        _ = try pack.encoder(for: .text)!.embed(.text("a dog"))
        #expect(pack.encoder(forFileExtension: "jpg")?.info == encoder.info)
        #expect(opens.count == 0 && !encoder.isOpen)

        let temp = try TemporaryDirectory()
        let file = try temp.write("a.jpg", "pixels")
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            _ = encoder.embed(batch: [.file(URL(fileURLWithPath: file))])
        }
        #expect(opens.count == 1)
        #expect(encoder.isOpen)
        #expect(try encoder.embed(.file(URL(fileURLWithPath: file))) == hashVector(Array("pixels".utf8), dimension: 24))
    }

    @Test func aModelThatCannotOpenFailsEveryInputWithItsOwnMessageAndIsTriedOnce() throws {
        let opens = CallCounter()
        let encoder = Self.deferred(opens: opens, failure: "/models/net.safetensors: header is not JSON")
        let results = encoder.embed(batch: [.text("x"), .text("y")])
        #expect(results.count == 2)
        for result in results {
            #expect(throws: MMSearchError.self) { try result.get() }
            #expect("\(result)".contains("/models/net.safetensors: header is not JSON"))
        }
        #expect(throws: MMSearchError.self) { try encoder.prepare() }
        #expect(opens.count == 1)
    }

    @Test func anEncoderThatOpensAsAnotherIsRefused() throws {
        let declared = EncoderInfo(name: "declared", version: "1", modality: .image, space: Self.space, fileExtensions: ["jpg"])
        let encoder = DeferredEncoder(info: declared) { HashImageEncoder(space: Self.space, counter: CallCounter()) }
        #expect {
            try encoder.prepare()
        } throws: { error in
            "\(error)".contains("encoder declared opened as hash-image")
        }
    }

    @Test(arguments: TestStore.allCases) func anIndexRunOpensTheModelsItNeedsFirstAndStopsWhenOneCannotOpen(store: TestStore) throws {
        let temp = try TemporaryDirectory()
        try temp.write("photos/a.jpg", "one")
        try temp.write("photos/b.jpg", "two")
        try temp.write("photos/notes.txt", "some words")
        let opens = CallCounter()
        let broken = Self.deferred(opens: opens, failure: "/models/net.safetensors: truncated")
        let pack = try ModelPack(name: "test", space: Self.space,
                                 encoders: [HashTextEncoder(space: Self.space, chunking: nil, counter: CallCounter()), broken])
        let engine = Engine(pack: pack, index: try store.newIndex(folder: temp.sub("index")))
        var failed: [String] = []
        #expect {
            _ = try engine.index(roots: [temp.sub("photos")], options: IndexOptions(threads: 2)) { event in
                if case .failed(let path, _) = event { failed.append(path) }
            }
        } throws: { error in
            "\(error)".contains("/models/net.safetensors: truncated")
        }
        // Stopped before embedding: no file was recorded as failed for the model's fault.
        #expect(failed.isEmpty)
        #expect(opens.count == 1)

        // Only text to read: the broken image model is never opened, and the run succeeds.
        let textOnly = try TemporaryDirectory()
        try textOnly.write("notes.txt", "some words")
        let summary = try engine.index(roots: [textOnly.url], options: IndexOptions(threads: 2)) { _ in }
        #expect(summary.indexed == 1)
        #expect(opens.count == 1)
    }
}
