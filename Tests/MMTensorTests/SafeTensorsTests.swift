import Foundation
import MMTensor
import Testing

/// Builds safetensors files in memory: the header JSON, then the data bytes.
private func safetensors(header: String, data: [UInt8]) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
    return out + h + data
}

private func bytes<T>(_ values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// One folder per test process for the files below, removed when the process exits.
private let writtenFiles: URL = {
    atexit {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmtensor-tests-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
    }
    return FileManager.default.temporaryDirectory.appendingPathComponent("mmtensor-tests-\(getpid())")
}()

private func write(_ bytes: [UInt8], _ name: String = "model.safetensors") throws -> URL {
    let dir = writtenFiles.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}

private func openError(_ bytes: [UInt8]) throws -> String {
    do {
        _ = try SafeTensors(url: try write(bytes))
        return "opened"
    } catch let e as WeightsError {
        return e.description
    }
}

struct SafeTensorsTests {
    @Test func readsF32F16AndBF16AsFloat() throws {
        let f32: [Float] = [1.5, -2, 3.25, 0]
        let f16: [Float16] = [0.5, -1, 65504, 0.000061035156]
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x4049]  // 1, -2, 3.140625
        let header = """
        {"__metadata__":{"format":"pt"},
         "a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
         "b":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},
         "c":{"dtype":"BF16","shape":[3],"data_offsets":[24,30]}}
        """
        let file = try SafeTensors(url: write(safetensors(header: header, data: bytes(f32) + bytes(f16) + bytes(bf16))))
        #expect(try file.floats("a", shape: [2, 2]) == f32)
        #expect(try file.floats("b") == f16.map(Float.init))
        #expect(try file.floats("c") == [1, -2, 3.140625])
        #expect(file.metadata == ["format": "pt"])
    }

    @Test func aMissingTensorOrAWrongShapeIsNamedInTheError() throws {
        let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let file = try SafeTensors(url: write(safetensors(header: header, data: bytes([Float(1), 2]))))
        #expect(throws: WeightsError("model.safetensors", "tensor 'x' is missing")) { try file.floats("x") }
        #expect(throws: WeightsError("model.safetensors", "tensor 'w' has shape [2], expected [3]")) {
            try file.floats("w", shape: [3])
        }
        let weights = Weights(file).scoped("encoder.layer.0")
        #expect(throws: WeightsError("model.safetensors", "tensor 'encoder.layer.0.w' is missing")) {
            try weights.tensor("w", shape: [2])
        }
    }

    @Test func truncatedAndMalformedFilesAreErrorsNotCrashes() throws {
        let good = safetensors(header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
                               data: bytes([Float](repeating: 1, count: 4)))
        // Every truncation of a valid file fails cleanly.
        for n in 0..<good.count {
            let message = try openError(Array(good[0..<n]))
            #expect(message != "opened", "truncated to \(n) bytes")
            #expect(message.hasPrefix("model.safetensors: "))
        }
        #expect(try openError([]).contains("too short"))
        #expect(try openError(safetensors(header: "{\"w\":", data: [])).contains("malformed header"))
        #expect(try openError(safetensors(header: "[1,2]", data: [])).contains("does not start with"))
        let huge = [UInt8](repeating: 0xFF, count: 8) + Array("{}".utf8)
        #expect(try openError(huge).contains("implausible"))
        let outside = safetensors(header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,32]}}"#,
                                  data: bytes([Float](repeating: 1, count: 4)))
        #expect(try openError(outside).contains("outside"))
        let mismatch = safetensors(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#,
                                   data: bytes([Float](repeating: 1, count: 4)))
        #expect(try openError(mismatch).contains("needs 12 bytes"))
        let negative = safetensors(header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#, data: [])
        #expect(try openError(negative).contains("negative"))
        let overflow = safetensors(header: #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, data: [])
        #expect(try openError(overflow).contains("too large"))
        let dtype = safetensors(header: #"{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, data: [0])
        #expect(try openError(dtype).contains("unknown dtype Q4"))
        let fractional = safetensors(header: #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        #expect(try openError(fractional).contains("malformed header"))
    }

    @Test func integerTensorsAreRefusedAsFloats() throws {
        let header = #"{"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#
        let file = try SafeTensors(url: write(safetensors(header: header, data: bytes([Int64(1), 2]))))
        #expect(throws: WeightsError("model.safetensors", "tensor 'ids' is I64, expected a floating type")) {
            try file.floats("ids")
        }
    }

    @Test func aDirectoryOrMissingFileIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory
        #expect(throws: WeightsError.self) { try SafeTensors(url: dir) }
        #expect(throws: WeightsError.self) { try SafeTensors(url: dir.appendingPathComponent("nope-\(UUID()).safetensors")) }
    }
}
