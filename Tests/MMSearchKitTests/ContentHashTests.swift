import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

@Suite struct ContentHashTests {
    /// Known answers of the reference implementation (the `xxhash` Python package:
    /// `xxhash.xxh64(data).intdigest()`), covering the short-input paths and whole stripes.
    static let knownAnswers: [(input: [UInt8], hash: UInt64)] = [
        ([], 0xef46_db37_51d8_e999),
        (Array("a".utf8), 0xd24e_c4f1_a98c_6e5b),
        (Array("abc".utf8), 0x44bc_2cf5_ad77_0999),
        (Array("0123456789abcdef0123456789abcdef".utf8), 0x642a_9495_8e71_e6c5),
        (Array(repeating: Array(0...255) as [UInt8], count: 5).flatMap { $0 } + Array("xyz".utf8), 0xafd1_8a39_57d3_670a),
    ]

    @Test func matchesTheReferenceImplementation() {
        for (input, hash) in Self.knownAnswers {
            #expect(ContentHash.of(input) == hash, "\(input.count) bytes")
        }
    }

    @Test func feedingInPiecesEqualsOneShotAndFilesHashLikeTheirBytes() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        let whole = ContentHash.of(bytes)
        for piece in [1, 3, 31, 32, 33, 1000] {
            var hash = ContentHash()
            for start in stride(from: 0, to: bytes.count, by: piece) {
                hash.update(Array(bytes[start..<min(start + piece, bytes.count)]))
            }
            #expect(hash.finalize() == whole, "pieces of \(piece)")
        }
        let temp = try TemporaryDirectory()
        let url = temp.sub("f.bin")
        try Data(bytes).write(to: url)
        let result = try ContentHash.ofFile(url.path).get()
        #expect(result.hash == whole && result.size == 10_000)
        #expect(throws: FailureReason.self) { try ContentHash.ofFile(temp.sub("missing").path).get() }
    }
}
