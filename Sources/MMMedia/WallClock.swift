import Foundation

/// Calendar arithmetic on wall-clock times written as seconds since 1970-01-01 00:00:00 of the
/// same clock (proleptic Gregorian calendar, no time zone): what `PhotoMetadata.Taken` keeps and
/// what a search's date filters compare.
public enum WallClock {
    /// Seconds of `year-month-day hour:minute:second`; the fields must form a real date.
    public static func seconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (the inverse of `daysFromCivil`).
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
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

    public static func daysIn(month: Int, year: Int) -> Int {
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
