/// The texts whose token ids differ from a reference's, one line each, for a test's message.
public struct TokenIDMismatches: CustomStringConvertible {
    /// "text: got […], expected […]" for each text that differs.
    public let lines: [String]
    /// How many texts were compared.
    public let caseCount: Int

    /// Encodes each case's text and compares the ids with the case's; a line shows the first
    /// `shown` ids of each side.
    public init(_ cases: [(text: String, ids: [Int32])], shown: Int = 30, encode: (String) -> [Int32]) {
        lines = cases.compactMap { c in
            let ids = encode(c.text)
            return ids == c.ids ? nil
                : "\(c.text.debugDescription.prefix(80)): got \(ids.prefix(shown)), expected \(c.ids.prefix(shown))"
        }
        caseCount = cases.count
    }

    public var isEmpty: Bool { lines.isEmpty }

    public var description: String { "\(lines.count) of \(caseCount) differ:\n\(lines.joined(separator: "\n"))" }
}
