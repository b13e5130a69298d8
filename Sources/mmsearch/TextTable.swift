import Foundation

/// A plain table for the terminal: columns padded to their widest cell and separated by two
/// spaces, the last column unpadded (so no line ends in spaces).
enum TextTable {
    static func lines(header: [String], rows: [[String]]) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func format(_ row: [String]) -> String {
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return [format(header)] + rows.map(format)
    }
}
