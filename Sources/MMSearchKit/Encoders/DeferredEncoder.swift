/// An encoder that opens its model (a network's weights, a recogniser's decoder) on first use,
/// so a command reads only the models it uses: `mmsearch query "a dog"` never opens the image
/// network or the speech recogniser.
///
/// A model that cannot be opened then fails where it is first used. The indexer calls
/// `prepare()` on every encoder it is about to use before it embeds anything, so a damaged
/// weights file stops an index run with the model's own message (a `WeightsError` naming the
/// file) instead of failing every file; `ModelPack.prepare()` opens them all (a resident
/// service, at start).
public protocol PreparableEncoder: Encoder {
    /// Opens the model if it is not open yet. Thread-safe; after a success, free.
    func prepare() throws
}

/// An encoder whose `info` is known without its model, and whose model `open` loads on the
/// first call that needs it, once per process (concurrent first calls wait for that one).
/// An `open` that fails fails every later call with the same error, a fatal `MMSearchError`
/// that keeps the model's message (as a pack that cannot load is).
public final class DeferredEncoder: PreparableEncoder {
    public let info: EncoderInfo
    private let open: @Sendable () throws -> any Encoder
    private let opened = Locked<Result<any Encoder, MMSearchError>?>(nil)

    /// `info` is what the opened encoder's `info` will be; opening checks it. (No text
    /// chunking: a text encoder is needed by nearly every command, so it is never deferred.)
    public init(info: EncoderInfo, open: @escaping @Sendable () throws -> any Encoder) {
        self.info = info
        self.open = open
    }

    /// The opened encoder (opening it on the first call).
    public func encoder() throws -> any Encoder {
        try opened.withLock { state in
            if let state { return state }
            let result = Result { () throws(MMSearchError) -> any Encoder in
                let encoder: any Encoder
                do {
                    encoder = try open()
                } catch let error as MMSearchError {
                    throw error
                } catch {
                    throw MMSearchError(.fatal, String(describing: error))
                }
                guard encoder.info == info else {
                    throw MMSearchError(.fatal, "encoder \(info.name) opened as \(encoder.info.name) "
                                        + "\(encoder.info.version) into \(encoder.info.space), not as declared")
                }
                return encoder
            }
            state = result
            return result
        }.get()
    }

    /// Whether the model has been opened (successfully or not).
    public var isOpen: Bool { opened.withLock { $0 != nil } }

    public func prepare() throws { _ = try encoder() }

    public func embed(_ input: EncoderInput) throws -> [Float] {
        try encoder().embed(input)
    }

    public func embed(batch: [EncoderInput]) -> [Result<[Float], Error>] {
        do {
            return try encoder().embed(batch: batch)
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    public func embedWithParts(batch: [EncoderInput]) -> [Result<FileEmbedding, Error>] {
        do {
            return try encoder().embedWithParts(batch: batch)
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }
}

extension ModelPack {
    /// Opens every encoder that opens its model on first use (see `PreparableEncoder`).
    public func prepare() throws {
        for case let encoder as any PreparableEncoder in encoders { try encoder.prepare() }
    }
}
