import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch stats`
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show what the index holds, and how healthy its space is.",
        discussion: """
            Prints, per space, the number of indexed and failed files, the precision the \
            last index run embedded at (--precision), the files per \
            modality, the stored labels, the files' dates (a photo's EXIF date taken, \
            else its modification time) with how many photos have a camera and a GPS \
            position, and two diagnostics of the space's vectors (one \
            per file; a text file's chunks averaged):
              anisotropy  the mean cosine similarity of all pairs of files (exact): near 0
                          when vectors spread over the sphere, near 1 when they crowd into
                          a cone and every score looks alike;
              hubness     the skewness of the k-occurrence distribution N_10 (Radovanović
                          et al. 2010): how many files have a file among their 10 nearest
                          neighbours; large and positive when a few "hubs" turn up in
                          everyone's results. O(n²): above 5 000 files, computed within a
                          fixed sample of 5 000.
            --failures lists every file that could not be indexed as "path: reason", one \
            per line (stdout), as the last index run recorded it. Needs no models.

            EXAMPLES
              mmsearch stats
              mmsearch stats --failures | less
            """)

    @OptionGroup var index: IndexLocationOptions

    @Flag(help: "List the files that failed to index, with their reasons.")
    var failures = false

    func run() throws {
        let locations = Locations.current()
        let index = try self.index.index(locations)
        if failures {
            for record in try index.failures() {
                print("\(FilePaths.display(record.path, from: locations.currentDirectory)): \(record.error ?? "failed")")
            }
            return
        }
        for report in try index.report() {
            let counts = report.counts
            // Recordings indexed without rows (no speech): indexed, not failed, but told.
            let silent = counts.withoutSpeech > 0 ? " (\(counts.withoutSpeech) without speech)" : ""
            print("\(report.space.spaceID): \(counts.ok) indexed\(silent), \(counts.failed) failed, "
                  + "\(report.space.elementType) vectors, embedded at \((index.precision() ?? .f32).rawValue)")
            for (modality, files) in counts.modalities {
                print("  " + modality.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) + String(files))
            }
            if !counts.labels.isEmpty {
                print("  labels      " + counts.labels.map { "\($0.label) (\($0.files))" }.joined(separator: ", "))
            }
            let dates = counts.dates
            if let earliest = dates.earliest, let latest = dates.latest {
                print("  dates       \(earliest.shortText.prefix(10)) to \(latest.shortText.prefix(10)) "
                      + "(\(dates.taken) by date taken, \(dates.modified) by modification time)")
                print("  photos      \(dates.withCamera) with a camera, \(dates.positioned) with a position")
            }
            guard let stats = report.statistics else { continue }
            if let anisotropy = stats.anisotropy {
                print("  anisotropy  " + String(format: "%.4f", anisotropy) + " (mean pairwise cosine of \(stats.files) files)")
            }
            if let hubness = stats.hubness {
                var line = "  hubness     " + String(format: "%.3f", hubness)
                    + " (skewness of N_\(stats.k) over \(stats.hubnessFiles) files"
                if let hub = stats.topHub {
                    line += "; biggest hub: \(FilePaths.display(hub.path, from: locations.currentDirectory)), "
                        + "in \(hub.occurrences) lists"
                }
                print(line + ")")
            } else if stats.files <= stats.k {
                print("  hubness     needs more than \(stats.k) files")
            }
        }
    }
}
