import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// A made-up modality, registered in-process: `.trace` files whose vector is their content's hash.
struct TraceEncoder: Encoder {
    let info: EncoderInfo

    init(space: SpaceID, name: String = "trace", modality: Modality = Modality("trace"),
         extensions: [String] = ["trace"]) {
        info = EncoderInfo(name: name, version: "1", modality: modality, space: space, fileExtensions: extensions)
    }

    func embed(_ input: EncoderInput) throws -> [Float] {
        guard case .file(let url) = input else { throw EncoderError("trace reads files") }
        return hashVector(try Data(contentsOf: url), dimension: info.space.dimension)
    }
}

@Suite struct EncoderRegistryTests {
    @Test func anInProcessEncoderForANewModalityIsIndexedAndSearchedNextToTheBuiltIns() throws {
        let f = try Fixture()
        var registry = EncoderRegistry(pack: f.pack)
        try registry.register(TraceEncoder(space: registry.space))
        #expect(registry.pack.fileExtensions.contains("trace"))
        let trace = try f.photo("run.trace", "heart rate 120")
        let dog = try f.photo("dog.jpg", "a dog")
        let engine = Engine(pack: registry.pack, indexDirectory: f.indexDirectory)
        let summary = try engine.index(roots: [f.photos])
        #expect(summary.indexed == 2 && summary.failed == 0)
        let hits = try engine.reader().search(hashVector(Array("heart rate 120".utf8), dimension: 24), limit: 2)
        #expect(hits.map(\.path) == [trace, dog])
        #expect(hits.first?.modality == Modality("trace"))
    }

    @Test func registeringRefusesAnotherSpaceATakenModalityNameOrExtension() throws {
        let f = try Fixture()
        var registry = EncoderRegistry(pack: f.pack)
        let other = SpaceID(name: "other", dimension: 24, fingerprint: "beef")
        let cases: [(any Encoder, String)] = [
            (TraceEncoder(space: other), "writes into other"),
            (TraceEncoder(space: f.pack.space, modality: .image), "the image modality is already encoded by hash-image (built-in)"),
            (TraceEncoder(space: f.pack.space, name: "hash-text"), "an encoder named hash-text is already registered"),
            (TraceEncoder(space: f.pack.space, extensions: ["trace", "png"]), ".png files are already read by hash-image"),
        ]
        for (encoder, message) in cases {
            #expect(throws: MMSearchError.self) { try registry.register(encoder) }
            do { try registry.register(encoder) } catch let error as MMSearchError {
                #expect(error.kind == .usage && error.message.contains(message), "\(error.message)")
            }
        }
        #expect(registry.encoders.count == f.pack.encoders.count)
    }

    @Test func theBestSegmentIsTheOneMostLikeTheQuery() {
        let q: [Float] = [1, 0]
        let segments = [FilePart(index: 0, time: TimeSpan(start: 0, end: 1), vector: [0, 1]),
                        FilePart(index: 1, time: TimeSpan(start: 1, end: 2), vector: [0.8, 0.6]),
                        FilePart(index: 2, time: TimeSpan(start: 2, end: 3), vector: [0.6, 0.8])]
        #expect(IndexReader.bestPart(segments, query: q)
                == MatchedPart(part: FilePart(index: 1, time: TimeSpan(start: 1, end: 2)), score: 0.8))
        #expect(IndexReader.bestPart([], query: q) == nil)
    }
}
