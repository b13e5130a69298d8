import Foundation

/// A problem with a weights file or a tensor in it. The message names the file (and the tensor
/// where there is one) and says what is wrong.
public struct WeightsError: Error, Sendable, CustomStringConvertible, Equatable {
    public let file: String
    public let reason: String

    public init(_ file: String, _ reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }

    /// Runs `load`, naming the files of the `WeightsError`s it throws by their place in
    /// `directory` when they are named relative to it (a model folder names its own files
    /// `config.json`; a pack of several models must say whose).
    public static func locating<T>(in directory: URL, _ load: () throws -> T) throws -> T {
        do {
            return try load()
        } catch let error as WeightsError where !error.file.hasPrefix("/") {
            throw WeightsError(directory.appendingPathComponent(error.file).path, error.reason)
        }
    }
}
