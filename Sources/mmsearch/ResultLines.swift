import MMSearchKit

/// How plain output shows a search result: `score  path`, with where its matching part lies
/// (`@ bytes 120–480` in a text file, `@ 12.0s–15.5s` in a recording or a video, `@ region
/// 120,40 300×60` for text read in an image), and the part's
/// text on the next line, indented. With `dated`, the file's date comes before the path: `taken
/// 2024-06-15 14:30` (a photo's EXIF) or `modified 2024-06-15 14:30`.
enum ResultLines {
    /// Where the lines under a result start (its part's text, its picture).
    static let indent = "        "

    static func lines(_ hit: SearchHit, from directory: String, dated: Bool = false) -> [String] {
        var first = String(format: "%.4f", hit.score) + "  "
        if dated, let date = hit.date {
            first += (date.source == .taken ? "taken    " : "modified ") + date.shortText + "  "
        }
        first += FilePaths.display(hit.path, from: directory)
        if let part = hit.part {
            if let time = part.time {
                first += " @ " + time.description
            } else if let region = part.region {
                first += " @ region " + region.description
            } else if let bytes = part.bytes {
                first += " @ bytes \(bytes.lowerBound)–\(bytes.upperBound)"
            }
        }
        guard let part = hit.part, part.text != nil else { return [first] }
        return [first, indent + part.part.snippet()]
    }
}
