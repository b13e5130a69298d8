/// Which encoder reads which file: the pack's encoders by extension, and its text encoder for
/// plain-text documents (cut into chunks) when no encoder claims `.txt`/`.md` itself.
struct EncoderRouting: Sendable {
    enum Route: Sendable {
        /// The encoder reads the whole file.
        case file(any Encoder)
        /// The host reads the text and embeds it chunk by chunk with this text encoder.
        case document(any Encoder, TextChunking)

        var encoder: any Encoder {
            switch self {
            case .file(let encoder), .document(let encoder, _): encoder
            }
        }

        var isDocument: Bool {
            if case .document = self { return true }
            return false
        }
    }

    let pack: ModelPack
    private let documentEncoder: (any Encoder)?
    /// Reads the text inside images, for an index run that asks for it.
    private let imageText: ImageTextReader?

    init(pack: ModelPack, imageText: ImageTextReader? = nil) {
        self.pack = pack
        documentEncoder = pack.encoder(for: .text)
        self.imageText = imageText
    }

    /// Every extension some route reads, lower-case.
    var extensions: [String] {
        var all = Set(pack.fileExtensions)
        if documentEncoder != nil { all.formUnion(TextDocument.extensions) }
        return all.sorted()
    }

    /// Opens the encoders that will read `files` and open their models on first use
    /// (`PreparableEncoder`), before any file is embedded: a model that cannot be opened stops
    /// the run with its own message rather than failing every file it would have read.
    func prepare(_ files: [ScannedFile]) throws {
        var prepared = Set<EncoderInfo>()
        for file in files {
            guard let encoder = route(file.path)?.encoder as? any PreparableEncoder,
                  prepared.insert(encoder.info).inserted else { continue }
            try encoder.prepare()
        }
    }

    /// How the file at `path` is embedded; nil when nothing reads it.
    func route(_ path: String) -> Route? {
        if let encoder = pack.encoder(forFile: path) {
            if let imageText, encoder.info.modality == .image {
                return .file(ImageTextEncoder(image: encoder, reader: imageText))
            }
            return .file(encoder)
        }
        if let encoder = documentEncoder, TextDocument.extensions.contains(FilePaths.fileExtension(path)) {
            return .document(encoder, encoder.textChunking ?? .approximate)
        }
        return nil
    }
}
