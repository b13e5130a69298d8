/// An input a network cannot run on (token ids outside its vocabulary, empty audio, a picture
/// the preprocessing cannot resize); the message says what is wrong with it. The host reports
/// it against the file or text it came from and goes on with the others.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
