import Foundation
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// A deterministic unit vector derived from bytes: FNV-1a seeds a splitmix64 stream.
func hashVector(_ bytes: some Sequence<UInt8>, dimension: Int) -> [Float] {
    var seed: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01b3 }
    var state = seed
    var vector = [Float]()
    vector.reserveCapacity(dimension)
    for _ in 0..<dimension {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        vector.append(Float(Double(z >> 11) / Double(1 << 53)) * 2 - 1)
    }
    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return vector.map { $0 / norm }
}

/// Counts calls across threads.
final class CallCounter: Sendable {
    private let calls = Locked<[String]>([])
    /// Called with the number of calls so far, after each call.
    private let after: (@Sendable (Int) -> Void)?

    init(after: (@Sendable (Int) -> Void)? = nil) { self.after = after }

    func record(_ name: String) {
        let n = calls.withLock { $0.append(name); return $0.count }
        after?(n)
    }
    var count: Int { calls.withLock { $0.count } }
    var names: [String] { calls.withLock { $0 } }
}

/// An image encoder for the tests: the vector is a hash of the file's bytes (of the pixels for a
/// decoded image); a file that contains "bad" fails with a reason; every embedded file is counted.
struct HashImageEncoder: Encoder {
    let info: EncoderInfo
    let counter: CallCounter

    init(space: SpaceID, counter: CallCounter, extensions: [String] = ["jpg", "jpeg", "png"]) {
        info = EncoderInfo(name: "hash-image", version: "1", modality: .image, space: space,
                           fileExtensions: extensions)
        self.counter = counter
    }

    func embed(_ input: EncoderInput) throws -> [Float] {
        // A decoded image (from a plugin, through the host's embed_image_rgb): its pixels' hash.
        if case .image(let image) = input { return hashVector(image.pixels, dimension: info.space.dimension) }
        guard case .file(let url) = input else { throw EncoderError("hash-image reads files and images only") }
        counter.record(url.path)
        let data = try Data(contentsOf: url)
        if data.range(of: Data("bad".utf8)) != nil {
            throw EncoderError("\(url.path): not an image (contains bad bytes)")
        }
        return hashVector(data, dimension: info.space.dimension)
    }
}

/// A text encoder for the tests: the vector of a text is the hash of its UTF-8, so the text
/// "x" finds a file whose content is "x" with score 1.
struct HashTextEncoder: Encoder {
    let info: EncoderInfo
    let textChunking: TextChunking?
    let counter: CallCounter?

    init(space: SpaceID, chunking: TextChunking? = nil, counter: CallCounter? = nil) {
        info = EncoderInfo(name: "hash-text", version: "1", modality: .text, space: space,
                           fileExtensions: [])
        textChunking = chunking
        self.counter = counter
    }

    func embed(_ input: EncoderInput) throws -> [Float] {
        guard case .text(let text) = input else { throw EncoderError("hash-text reads text only") }
        counter?.record("text: " + text)
        if text.contains("poison") { throw EncoderError("poisoned text") }
        return hashVector(Array(text.utf8), dimension: info.space.dimension)
    }
}

/// An encoder that returns what it is told to, for files named after the behaviour.
struct GarbageEncoder: Encoder {
    let info: EncoderInfo

    init(space: SpaceID) {
        info = EncoderInfo(name: "garbage", version: "1", modality: .image, space: space,
                           fileExtensions: ["jpg"])
    }

    func embed(_ input: EncoderInput) throws -> [Float] {
        guard case .file(let url) = input else { return [] }
        let d = info.space.dimension
        switch url.deletingPathExtension().lastPathComponent {
        case "short": return [Float](repeating: 0.1, count: d - 1)
        case "nan": return [Float](repeating: .nan, count: d)
        case "zero": return [Float](repeating: 0, count: d)
        case "long": return [Float](repeating: 3, count: d)  // not unit length: host normalises
        default: return hashVector(Array(url.path.utf8), dimension: d)
        }
    }
}

/// A pack of the hash encoders in a space of the given name and fingerprint.
func testPack(name: String = "test", fingerprint: String = "f00d", dimension: Int = 24,
              counter: CallCounter = CallCounter(), chunking: TextChunking? = nil) throws -> ModelPack {
    let space = SpaceID(name: name, dimension: dimension, fingerprint: fingerprint)
    return try ModelPack(name: name, space: space,
                         encoders: [HashTextEncoder(space: space, chunking: chunking, counter: counter),
                                    HashImageEncoder(space: space, counter: counter)])
}

/// A token counter for tests: one token per whitespace-separated word.
let wordChunking = TextChunking(maxTokens: 8) { $0.split(whereSeparator: \.isWhitespace).count }
