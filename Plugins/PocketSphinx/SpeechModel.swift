import Foundation
import MMSearchKit

/// The pocketsphinx model a recogniser loads: an acoustic model folder, an n-gram language
/// model and a pronunciation dictionary, as Debian's `pocketsphinx-en-us` installs them
/// (`/usr/share/pocketsphinx/model/en-us/{en-us/, en-us.lm.bin, cmudict-en-us.dict}`).
public struct SpeechModel: Sendable, Equatable {
    /// The folder with `mdef`, `means`, `variances`, `transition_matrices`, `feat.params`.
    public let acousticModel: URL
    /// The language model (`*.lm.bin` or `*.lm`).
    public let languageModel: URL
    /// The pronunciation dictionary (`*.dict`).
    public let dictionary: URL

    /// Names a model folder to use instead of the searched ones.
    public static let environmentVariable = "MMSEARCH_POCKETSPHINX_MODEL"
    /// Where pocketsphinx's English model is looked for, in order.
    public static let searchedDirectories = [
        "/usr/share/pocketsphinx/model/en-us",
        "/usr/local/share/pocketsphinx/model/en-us",
        "/opt/homebrew/share/pocketsphinx/model/en-us",
    ]
    /// Files an acoustic model folder must have.
    static let acousticFiles = ["mdef", "means", "variances", "transition_matrices", "feat.params"]

    public init(acousticModel: URL, languageModel: URL, dictionary: URL) {
        self.acousticModel = acousticModel
        self.languageModel = languageModel
        self.dictionary = dictionary
    }

    /// The model in `directory`: the acoustic model is `directory` itself when it holds `mdef`,
    /// else its sub-folder that does (`en-us/`); the language model is `<name>.lm.bin` (or
    /// `.lm`) other than a phone model; the dictionary the `.dict` file. Throws
    /// `SpeechModelError` saying what is missing.
    public init(directory: URL) throws {
        let fm = FileManager.default
        let path = directory.path
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpeechModelError("\(path): no such folder")
        }
        let names = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
        func has(_ dir: URL, _ name: String) -> Bool { fm.fileExists(atPath: dir.appendingPathComponent(name).path) }
        let acoustic = [directory] + names.map { directory.appendingPathComponent($0) }
        guard let am = acoustic.first(where: { dir in Self.acousticFiles.allSatisfy { has(dir, $0) } }) else {
            throw SpeechModelError("\(path): no acoustic model (a folder with \(Self.acousticFiles.joined(separator: ", ")))")
        }
        let models = names.filter { ($0.hasSuffix(".lm.bin") || $0.hasSuffix(".lm")) && !$0.contains("phone") }
        guard let lm = models.first(where: { $0.hasSuffix(".lm.bin") }) ?? models.first else {
            throw SpeechModelError("\(path): no language model (*.lm.bin)")
        }
        guard let dict = names.first(where: { $0.hasSuffix(".dict") }) else {
            throw SpeechModelError("\(path): no pronunciation dictionary (*.dict)")
        }
        self.init(acousticModel: am, languageModel: directory.appendingPathComponent(lm),
                  dictionary: directory.appendingPathComponent(dict))
    }

    /// The model named by `MMSEARCH_POCKETSPHINX_MODEL` when set (an error if it is not a
    /// model), else the first of `searchedDirectories` that holds one.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SpeechModel {
        if let dir = environment[environmentVariable], !dir.isEmpty {
            do {
                return try SpeechModel(directory: URL(fileURLWithPath: dir))
            } catch let error as SpeechModelError {
                throw SpeechModelError("\(environmentVariable): \(error.message)")
            }
        }
        for dir in searchedDirectories {
            if let model = try? SpeechModel(directory: URL(fileURLWithPath: dir)) { return model }
        }
        throw SpeechModelError("no pocketsphinx model in \(searchedDirectories.joined(separator: ", ")) "
                               + "(install Debian's pocketsphinx-en-us, or set \(environmentVariable))")
    }

    /// Identifies the model's content: each file's name, size and the SHA-256 of its first
    /// MiB (the models are tens of MB; a different model differs there). Part of the speech
    /// encoder's fingerprint, so a new model re-indexes audio only.
    public func fingerprint() -> String {
        var h = SHA256()
        for url in files {
            guard let handle = try? FileHandle(forReadingFrom: url) else { continue }
            defer { try? handle.close() }
            let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
            let size = (try? handle.seekToEnd()) ?? 0
            var fileHash = SHA256()
            fileHash.update([UInt8](head))
            h.update("\(url.lastPathComponent) \(size) \(fileHash.finalize())\n")
        }
        return h.finalize()
    }

    /// `fingerprint()`, from `cache` while none of the model's files has changed: every process
    /// that loads the pack needs it, and reading 1 MiB of each of its files costs a start
    /// tens of milliseconds.
    public func fingerprint(cache: WeightsDigest) -> String {
        cache.derived("pocketsphinx model fingerprint", from: files) { fingerprint() }
    }

    /// The acoustic model folder's files, the language model and the dictionary.
    private var files: [URL] {
        let acousticNames = ((try? FileManager.default.contentsOfDirectory(atPath: acousticModel.path)) ?? []).sorted()
        return acousticNames.map { acousticModel.appendingPathComponent($0) } + [languageModel, dictionary]
    }
}

/// Why no speech model could be used.
public struct SpeechModelError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
