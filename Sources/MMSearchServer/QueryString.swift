import Foundation

/// The parameters of a URL's query string, decoded as a browser's form encodes them (`+` is a
/// space, `%XX` a byte of UTF-8). Repeated names keep every value, in order.
struct QueryString {
    private(set) var pairs: [(name: String, value: String)] = []

    struct Malformed: Error {
        let parameter: String
    }

    init(_ query: String) throws {
        for piece in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pair = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(pair[0], parameter: String(pair[0]))
            let value = pair.count > 1 ? try Self.decode(pair[1], parameter: name) : ""
            pairs.append((name, value))
        }
    }

    private static func decode(_ text: Substring, parameter: String) throws -> String {
        guard let decoded = text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
            throw Malformed(parameter: parameter)
        }
        return decoded
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }
    func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }
    var names: Set<String> { Set(pairs.map(\.name)) }
}
