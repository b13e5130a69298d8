import Foundation
import MMMedia

/// The host's name for MMMedia's EXIF reading: what the catalog keeps of a photo (its date
/// taken with the UTC offset, camera, position and orientation).
public typealias PhotoMetadata = MMMedia.PhotoMetadata

/// The host's name for MMMedia's calendar of wall-clock times (what a date taken is kept as).
public typealias WallClock = MMMedia.WallClock

/// When a file was made, as a person filters and sorts by it: the date a photo was taken
/// (EXIF DateTimeOriginal, with its UTC offset when the file records one) or, for any other file
/// and for photos without one, its modification time, marked as such.
///
/// Dates compare by their wall-clock time, the time the photographer's clock showed: a photo
/// taken at 09:00 in Tokyo sorts before one taken at 10:00 in Paris the same day. A modification
/// time is shown on this machine's clock (`TimeZone.current`).
public struct FileDate: Sendable, Equatable, Comparable, Codable {
    public enum Source: String, Sendable, Codable {
        /// EXIF DateTimeOriginal.
        case taken
        /// The file's modification time (no date taken is known).
        case modified
    }

    /// Seconds since 1970-01-01 00:00:00 of the same wall clock (see `WallClock`).
    public let localSeconds: Int64
    /// Seconds east of UTC; nil for a date taken whose file does not say.
    public let utcOffsetSeconds: Int?
    public let source: Source

    public init(localSeconds: Int64, utcOffsetSeconds: Int?, source: Source) {
        self.localSeconds = localSeconds
        self.utcOffsetSeconds = utcOffsetSeconds
        self.source = source
    }

    /// The date of a file whose photo details are `photo` (nil: not a photo, or never read)
    /// and whose modification time is `mtimeNs` nanoseconds since 1970.
    public init(photo: PhotoMetadata?, mtimeNs: Int64, zone: TimeZone = .current) {
        if let taken = photo?.taken {
            self.init(localSeconds: taken.localSeconds, utcOffsetSeconds: taken.utcOffsetSeconds, source: .taken)
        } else {
            let seconds = mtimeNs >= 0 ? mtimeNs / 1_000_000_000 : (mtimeNs - 999_999_999) / 1_000_000_000
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
            self.init(localSeconds: seconds + Int64(offset), utcOffsetSeconds: offset, source: .modified)
        }
    }

    /// `2024-06-15T14:30:00+02:00`, or without the offset when it is not known.
    public var iso8601: String {
        var text = WallClock.iso8601(localSeconds)
        if let offset = utcOffsetSeconds {
            let magnitude = abs(offset)
            text += String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", magnitude / 3600, magnitude % 3600 / 60)
        }
        return text
    }

    /// `2024-06-15 14:30`, for a line of output.
    public var shortText: String {
        String(WallClock.iso8601(localSeconds).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    public static func < (a: FileDate, b: FileDate) -> Bool { a.localSeconds < b.localSeconds }
}

extension PhotoMetadata {
    /// `Canon EOS R5`: the camera's make and model, the make left out when the model starts
    /// with its first word (`NIKON CORPORATION`, `NIKON D750` → `NIKON D750`).
    public var camera: String? {
        switch (cameraMake, cameraModel) {
        case (nil, nil): return nil
        case (let make?, nil): return make
        case (nil, let model?): return model
        case (let make?, let model?):
            let brand = make.split(separator: " ").first.map { $0.lowercased() } ?? make.lowercased()
            return model.lowercased().hasPrefix(brand) ? model : make + " " + model
        }
    }

    /// What a store keeps: the metadata without its notes (they are told once, when read).
    public var stored: PhotoMetadata {
        var copy = self
        copy.notes = []
        return copy
    }
}
