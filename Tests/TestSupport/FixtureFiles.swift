import Foundation

extension TestPaths {
    /// A little-endian float32 file of Tests/Fixtures (`relative` to it).
    public static func float32s(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: fixture(relative))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    /// A new, empty directory under the system's temporary directory, named `label` plus
    /// `uniqueSuffix()`; the caller removes it.
    public static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(uniqueSuffix())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
