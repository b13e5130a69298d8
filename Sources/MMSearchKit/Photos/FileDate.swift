import Foundation
import MMMedia

/// The host's name for MMMedia's EXIF reading: what the catalog keeps of a photo (its date
/// taken with the UTC offset, camera, position and orientation).
public typealias PhotoMetadata = MMMedia.PhotoMetadata

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

/// Calendar arithmetic on wall-clock times written as seconds since 1970-01-01 00:00:00 of the
/// same clock (proleptic Gregorian calendar, no time zone): what `PhotoMetadata.Taken` keeps and
/// what `--after 2024-06` means.
public enum WallClock {
    /// Seconds of `year-month-day hour:minute:second`; the fields must form a real date.
    public static func seconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (the inverse of `daysFromCivil`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2024-06-15T14:30:00`.
    public static func iso8601(_ seconds: Int64) -> String {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = civil(fromDays: days)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, rest / 3600, rest % 3600 / 60, rest % 60)
    }

    /// The start of the period `text` names: `2024` (a year), `2024-06` (a month),
    /// `2024-06-15` (a day), `2024-06-15T14:30` or `2024-06-15 14:30:05` (a moment; `T` or a
    /// space). nil for anything else, including dates that do not exist (2023-02-29).
    public static func start(of text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let halves = trimmed.split(maxSplits: 1, omittingEmptySubsequences: false) { $0 == "T" || $0 == "t" || $0 == " " }
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(date.count), date[0].count == 4, date.dropFirst().allSatisfy({ $0.count == 2 }),
              let year = Int(date[0]), year >= 1, date.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        let month = date.count > 1 ? Int(date[1]) ?? 0 : 1
        let day = date.count > 2 ? Int(date[2]) ?? 0 : 1
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var (hour, minute, second) = (0, 0, 0)
        if halves.count == 2 {
            guard date.count == 3 else { return nil }
            let time = halves[1].split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(time.count), time.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let h = Int(time[0]), let m = Int(time[1]), h < 24, m < 60 else { return nil }
            (hour, minute) = (h, m)
            if time.count == 3 {
                guard let s = Int(time[2]), s < 60 else { return nil }
                second = s
            }
        }
        return seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The moment a wall-clock time of `zone` is (the earlier one where a clock change repeats
    /// it), in seconds since 1970 UTC.
    public static func instant(_ localSeconds: Int64, in zone: TimeZone = .current) -> Int64 {
        let guess = localSeconds - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(localSeconds))))
        return localSeconds - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(guess))))
    }
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
