import MMTensor

/// BERT's embedding layer (`BertEmbeddings` in transformers, also RoBERTa's): word + token
/// type 0 + position, summed in that order like the reference, then layer norm.
///
/// Position ids come from the caller: BERT counts 0, 1, 2, …; RoBERTa starts after its padding
/// id (see `ClapTextModel.positionIDs`). Padding rows (past a sequence's end) are zeros; the
/// attention mask keeps them out of every real token's view.
public struct BertEmbeddings: Sendable {
    public let hidden: Int
    public let vocabularySize: Int
    public let maxPositions: Int

    private let words: [Float]      // [vocab, H]
    private let positions: [Float]  // [maxPositions, H]
    private let tokenType: [Float]  // row 0 of [types, H]: single-segment input
    private let norm: LayerNorm

    /// Reads `word_embeddings`, `position_embeddings`, `token_type_embeddings` and `LayerNorm`
    /// from an `embeddings` view of the checkpoint.
    public init(_ e: Weights, vocabularySize: Int, maxPositions: Int, tokenTypes: Int, hidden: Int,
                eps: Double) throws {
        guard tokenTypes >= 1 else {
            throw WeightsError(e.file.url.lastPathComponent, "\(e.key("token_type_embeddings.weight")): \(tokenTypes) token types, at least 1 is read")
        }
        self.hidden = hidden
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        words = try e.tensor("word_embeddings.weight", shape: [vocabularySize, hidden])
        positions = try e.tensor("position_embeddings.weight", shape: [maxPositions, hidden])
        tokenType = Array(try e.tensor("token_type_embeddings.weight", shape: [tokenTypes, hidden])[0..<hidden])
        norm = try LayerNorm(e.scoped("LayerNorm"), dim: hidden, eps: Float(eps))
    }

    /// Writes the embeddings of `batch`, padded to `seqLen`, as rows of `x`
    /// (`[batch.count · seqLen, hidden]`). Ids must be below `vocabularySize` and position ids
    /// below `maxPositions` (callers validate).
    public func callAsFunction(_ batch: [[Int32]], seqLen: Int, positionIDs: ([Int32]) -> [Int],
                               into x: UnsafeMutablePointer<Float>) {
        self(batch, layout: .padded(batch.map(\.count), to: seqLen), positionIDs: positionIDs, into: x)
    }

    /// Writes the embeddings of `batch` as rows of `x` (`[layout.rows, hidden]`), padding rows
    /// as zeros.
    public func callAsFunction(_ batch: [[Int32]], layout: SequenceLayout, positionIDs: ([Int32]) -> [Int],
                               into x: UnsafeMutablePointer<Float>) {
        precondition(layout.lengths == batch.map(\.count))
        let h = hidden
        words.withUnsafeBufferPointer { words in
            positions.withUnsafeBufferPointer { positions in
                tokenType.withUnsafeBufferPointer { type in
                    for (b, ids) in batch.enumerated() {
                        let positionIDs = positionIDs(ids)
                        for t in 0..<layout.spans[b] {
                            let row = x + (layout.starts[b] + t) * h
                            guard t < ids.count else {
                                row.update(repeating: 0, count: h)
                                continue
                            }
                            let word = words.baseAddress! + Int(ids[t]) * h
                            let position = positions.baseAddress! + positionIDs[t] * h
                            for j in 0..<h { row[j] = (word[j] + type[j]) + position[j] }
                        }
                    }
                }
            }
        }
        norm(x, rows: layout.rows)
    }
}
