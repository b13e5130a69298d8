// `mmsearch-bench clip`: the Swift half of Scripts/bench/clip.sh (a benchmark, not a test).
//
//   mmsearch-bench clip --model DIR [--batch 1,8] [--threads 2] [--seconds 10] [--precision f32|int8]
//
// Loads the CLIP model in DIR (Hugging Face layout) with `CLIPModel.load` and times its image
// tower + projection (`imageEmbeddings(pixelValues:)`) on random pixel values at each batch
// size, after one warm-up call, for at least the given seconds each; prints one
// `batch B images_per_second X` line per batch size, like Scripts/bench/clip_ort.py. At int8 it
// first prints `cosine_int8_f32 min X mean Y`: the int8 model's embeddings of 16 random images
// against the f32 model's.
import Foundation
import MMCLIP
import MMTensor

func benchCLIP(_ o: [String: String]) throws {
    let dir = URL(fileURLWithPath: try require(o, "model"), isDirectory: true)
    let batches = (o["batch"] ?? "1,8").split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
    let threads = Int(o["threads"] ?? "2") ?? 2
    let seconds = Double(o["seconds"] ?? "10") ?? 10
    guard !batches.isEmpty else { throw Failure("--batch needs positive sizes, e.g. 1,8") }
    guard let precision = Precision(rawValue: o["precision"] ?? "f32") else { throw Failure("--precision is f32 or int8") }
    try BLAS.withThreads(threads) { try run(model: dir, batches: batches, seconds: seconds, precision: precision) }
}

private func run(model dir: URL, batches: [Int], seconds: Double, precision: Precision) throws {
    let model = try CLIPModel.load(directory: dir, batchSize: batches.max() ?? 8, precision: precision)
    let side = model.config.vision_config.image_size
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func uniform() -> Float {  // xorshift64*: fixed, fast, good enough for pixel noise
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return Float((state &* 0x2545_F491_4F6C_DD1D) >> 40) / Float(1 << 24)
    }
    let arena = ScratchArena()
    if precision == .int8 {
        let pixels = (0..<(16 * 3 * side * side)).map { _ in uniform() * 4 - 2 }
        let f32 = try CLIPModel.load(directory: dir, batchSize: 16, precision: .f32)
        let a = try f32.imageEmbeddings(pixelValues: pixels, arena: arena)
        let b = try model.imageEmbeddings(pixelValues: pixels, arena: arena)
        let cosines = zip(a, b).map { zip($0.0, $0.1).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
        let line = String(format: "cosine_int8_f32 min %.6f mean %.6f\n", cosines.min() ?? 0,
                          cosines.reduce(0, +) / Float(max(1, cosines.count)))
        FileHandle.standardOutput.write(Data(line.utf8))
    }
    for batch in batches {
        let pixels = (0..<(batch * 3 * side * side)).map { _ in uniform() * 4 - 2 }
        _ = try model.imageEmbeddings(pixelValues: pixels, arena: arena)  // warm-up
        var images = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            _ = try model.imageEmbeddings(pixelValues: pixels, arena: arena)
            images += batch
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        // Unbuffered, so the script reads each line as it comes.
        FileHandle.standardOutput.write(Data("batch \(batch) images_per_second \(String(format: "%.3f", Double(images) / elapsed))\n".utf8))
    }
}
