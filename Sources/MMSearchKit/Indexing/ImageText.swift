import Foundation
import MMMedia

/// Reads the text inside images at index time (`IndexOptions.imageText`) and embeds it with the
/// pack's text encoder, into the same space as the image: a photo of a receipt is found by the
/// code printed on it (keyword search) and by what its words mean.
///
/// An image with text becomes several rows (`EmbeddedFile.Rows.parts`): its own vector first
/// (part 0, with nothing but its vector), then one row per block of text, each a `FilePart` with
/// the text, its region in the image and byte offsets in the image's text (its blocks joined by
/// single spaces). An image without text stays one row (`.whole`), exactly as without OCR.
struct ImageTextReader: Sendable {
    let recognizer: TextRecognizer
    let mode: ImageTextMode
    let budget: TimeInterval
    let textEncoder: any Encoder

    /// The recognizer, opened once per process (each of its Tesseract handles loads the model).
    private static let shared: Result<TextRecognizer, any Error> = Result { try TextRecognizer() }

    /// The reader `options` ask for, or nil: with `.off`, for a pack without a text encoder, and
    /// with `.auto` where Tesseract or its English model is missing (images are then read as
    /// before).
    ///
    /// - Throws: `MMSearchError(.fatal)` when every image's text was asked for (`.on`) and
    ///   Tesseract cannot start.
    static func make(_ options: IndexOptions, pack: ModelPack) throws -> ImageTextReader? {
        guard options.imageText != .off, let text = pack.encoder(for: .text),
              pack.encoder(for: .image) != nil else { return nil }
        switch shared {
        case .success(let recognizer):
            return ImageTextReader(recognizer: recognizer, mode: options.imageText,
                                   budget: options.imageTextBudget, textEncoder: text)
        case .failure(let error):
            guard options.imageText == .on else { return nil }
            throw MMSearchError(.fatal, "cannot read text in images: \(error)")
        }
    }

    /// What the fingerprint of images' vectors adds: reading mode, Tesseract and its model, the
    /// text encoder. The budget is left out (a longer one does not read every image again).
    var settings: String {
        "text in images: \(mode.rawValue); \(recognizer.data.fingerprint); "
            + "\(textEncoder.info.name) \(textEncoder.info.version)"
    }

    /// `embedded` (the image's own vector) with the text read in the image at `path` as more
    /// rows. Text that cannot be read or embedded leaves the image as it was: its vector is
    /// sound, and OCR is a bonus.
    func adding(textOf path: String, to embedded: EmbeddedFile, dimension: Int) -> EmbeddedFile {
        guard case .whole(let vector) = embedded.rows, embedded.parts.isEmpty,
              let reading = try? recognizer.read(contentsOf: URL(fileURLWithPath: path),
                                                 gated: mode == .auto, budget: budget),
              !reading.blocks.isEmpty else { return embedded }
        let outputs = textEncoder.embed(batch: reading.blocks.map { EncoderInput.text($0.text) })
        guard outputs.count == reading.blocks.count else { return embedded }
        var parts = [FilePart(index: 0, vector: vector)]
        var offset = 0
        for (block, output) in zip(reading.blocks, outputs) {
            guard case .success(let raw) = output,
                  case .success(let unit) = VectorCheck.validated(raw, dimension: dimension) else { return embedded }
            let length = block.text.utf8.count
            parts.append(FilePart(index: parts.count, bytes: offset..<(offset + length), text: block.text,
                                  region: ImageRegion(x: block.x, y: block.y, width: block.width, height: block.height),
                                  vector: unit))
            offset += length + 1
        }
        return EmbeddedFile(rows: .parts, parts: parts, note: embedded.note)
    }
}

/// The pack's image encoder as an index run with OCR sees it: the same vectors, and a
/// fingerprint that also names how text is read (`ImageTextReader.settings`), so turning OCR
/// on, off or to another mode reads images again (their rows change), while queries by image
/// keep using the pack's encoder itself.
struct ImageTextEncoder: PreparableEncoder {
    let image: any Encoder
    let reader: ImageTextReader

    var info: EncoderInfo {
        let base = image.info
        return EncoderInfo(name: base.name, version: base.version, modality: base.modality, space: base.space,
                           fileExtensions: base.fileExtensions, origin: base.origin,
                           settings: [base.settings, reader.settings].filter { !$0.isEmpty }.joined(separator: "; "))
    }

    func prepare() throws {
        try (image as? any PreparableEncoder)?.prepare()
        try (reader.textEncoder as? any PreparableEncoder)?.prepare()
    }

    func embed(_ input: EncoderInput) throws -> [Float] { try image.embed(input) }
    func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] { image.embed(batch: batch) }
    func embedWithParts(batch: [EncoderInput]) -> [Result<FileEmbedding, Error>] { image.embedWithParts(batch: batch) }
}
