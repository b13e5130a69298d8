import Foundation
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Seeded random unit vectors (splitmix64 → uniform in [-1, 1], normalised), flat.
func randomUnitVectors(count: Int, dimension: Int, seed: UInt64) -> [Float] {
    var state = seed
    var out = [Float](repeating: 0, count: count * dimension)
    out.withUnsafeMutableBufferPointer { buffer in
        for row in 0..<count {
            var norm: Float = 0
            for j in 0..<dimension {
                state &+= 0x9e37_79b9_7f4a_7c15
                var z = state
                z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
                z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
                z ^= z >> 31
                let value = Float(Double(z >> 40) / Double(1 << 24)) * 2 - 1
                buffer[row * dimension + j] = value
                norm += value * value
            }
            let scale = 1 / norm.squareRoot()
            for j in 0..<dimension { buffer[row * dimension + j] *= scale }
        }
    }
    return out
}

/// Writes `count` rows of `vectors` (flat) to a space segment pair in `directory` and maps them.
func writeSegments(_ vectors: [Float], dimension: Int, storage: VectorElementType, in directory: URL,
                   name: String = "s") throws -> (master: MappedVectorFile, codes: MappedVectorFile) {
    let master = directory.appendingPathComponent(name + "." + storage.rawValue)
    let codes = directory.appendingPathComponent(name + "." + storage.rawValue + ".i8")
    let writer = try SpaceVectorFiles(masterURL: master, codesURL: codes,
                                        tagsURL: directory.appendingPathComponent(name + ".tags"),
                                        sumsURL: directory.appendingPathComponent(name + ".sums"), dimension: dimension,
                                        elementType: storage, fingerprint: "test")
    let count = vectors.count / dimension
    var start = 0
    while start < count {
        let end = min(count, start + 8192)
        _ = try writer.append((start..<end).map { Array(vectors[($0 * dimension)..<(($0 + 1) * dimension)]) },
                              tags: [UInt8](repeating: 1, count: end - start))
        start = end
    }
    return (try MappedVectorFile(url: master), try MappedVectorFile(url: codes))
}

/// Every row live.
func allLive(_ count: Int) -> LiveRows {
    var live = LiveRows()
    live.update(rowCount: count, tombstones: [])
    return live
}
