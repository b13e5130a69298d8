/// Running a tower over many inputs a batch at a time, each input ending as one pooled row that
/// a head turns into the input's output (an embedding).
public enum PooledBatches {
    /// Runs the inputs `order` lists, `batchSize` at a time in that order: `forward` gets a
    /// batch's input indices and writes their pooled rows of `width` floats, in the same order,
    /// to the buffer it gets; `head` turns one row into that input's output. Returns the outputs
    /// by input index (`order` holds each of `0..<order.count` once).
    public static func run(order: [Int], batchSize: Int, width: Int,
                           forward: ([Int], UnsafeMutablePointer<Float>) -> Void,
                           head: (UnsafePointer<Float>) -> [Float]) -> [[Float]] {
        let batchSize = max(1, batchSize)
        var out = [[Float]](repeating: [], count: order.count)
        let pooled = UnsafeMutablePointer<Float>.allocate(capacity: min(batchSize, max(order.count, 1)) * width)
        defer { pooled.deallocate() }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let members = Array(order[start..<min(start + batchSize, order.count)])
            forward(members, pooled)
            for (b, index) in members.enumerated() { out[index] = head(pooled + b * width) }
        }
        return out
    }
}
