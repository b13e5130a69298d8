import Foundation

/// Plain-text files (`.txt`, `.md`): indexed through the pack's text encoder, one vector per
/// chunk.
enum TextDocument {
    /// Extensions read as text when the pack has a text encoder and no encoder claims them.
    static let extensions = ["txt", "md"]
    /// Larger files are refused: they are logs or data, not documents.
    static let maxBytes = 16 << 20

    /// The text of the file at `path` and the byte offset where it starts (3 after a UTF-8
    /// byte-order mark); on failure the reason.
    static func read(_ path: String) -> Result<(text: String, offset: Int), FailureReason> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            return .failure(FailureReason("cannot be read: \((error as NSError).localizedDescription)"))
        }
        guard data.count <= maxBytes else {
            return .failure(FailureReason("text file of \(data.count) bytes is larger than the "
                                          + "\(maxBytes >> 20) MiB read as a document"))
        }
        var bytes = [UInt8](data)
        var offset = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
            offset = 3
        }
        guard !bytes.contains(0) else {
            return .failure(FailureReason("not a text file (it contains NUL bytes)"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(FailureReason("not UTF-8 text"))
        }
        return .success((text, offset))
    }

    /// The chunks of the file at `path`, with offsets in the file.
    static func chunks(_ path: String, chunking: TextChunking) -> Result<[FilePart], FailureReason> {
        read(path).map { text, offset in
            TextChunker(chunking: chunking).chunks(text).map { chunk in
                var part = chunk
                part.bytes = chunk.bytes.map { ($0.lowerBound + offset)..<($0.upperBound + offset) }
                return part
            }
        }
    }
}
