import Foundation
import MMSearchKit

/// The one-line progress display of `mmsearch index` on a terminal: redrawn in place with
/// `\r`, at most ten times a second, erased before other output and at the end.
final class ProgressLine {
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ progress: IndexProgress) {
        guard enabled else { return }
        let now = Date()
        let finished = progress.phase != .scanning && progress.done == progress.total
        guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        Console.errorRaw("\r\u{1B}[K" + Self.text(progress))
        shown = true
    }

    /// Removes the line so other text starts on a clean line.
    func clear() {
        guard enabled, shown else { return }
        Console.errorRaw("\r\u{1B}[K")
        shown = false
    }

    static func text(_ progress: IndexProgress) -> String {
        switch progress.phase {
        case .scanning:
            return "scanning… \(progress.found) files"
        case .hashing, .embedding, .photoDetails:
            let verb = switch progress.phase {
            case .hashing: "hashing"
            case .photoDetails: "reading photo dates and places of"
            default: "embedding"
            }
            var parts = ["\(verb) \(progress.done)/\(progress.total) files"]
            if progress.chunksTotal > progress.chunksDone {
                parts.append("\(progress.chunksDone)/\(progress.chunksTotal) chunks of long texts")
            }
            if let rate = progress.rate { parts.append(String(format: "%.1f files/s", rate)) }
            if let eta = progress.eta, progress.done < progress.total { parts.append("ETA " + clock(eta)) }
            if progress.failed > 0 { parts.append("\(progress.failed) failed") }
            return parts.joined(separator: "  ")
        }
    }

    private static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
