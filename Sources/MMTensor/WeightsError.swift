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
}
