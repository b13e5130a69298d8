import CExif
import Foundation

/// What a photo's EXIF says about it (libexif): when it was taken, with which camera, where, and
/// which way up. Every value is checked: one that is missing stays nil, one that is malformed or
/// absurd (a date in year 0 or 9999, a month 13, a latitude of 123°, a zero denominator, control
/// characters in a camera's name) stays nil too, with a note saying which tag and why. Reading
/// never throws: a file without EXIF, or with a damaged block (truncated, IFD offsets in a loop),
/// gives empty metadata.
public struct PhotoMetadata: Sendable, Equatable {
    /// The date and time the photo was taken (DateTimeOriginal), as the camera's clock showed
    /// it, with the offset from UTC when the file records one (OffsetTimeOriginal).
    public struct Taken: Sendable, Equatable, Comparable {
        /// The wall-clock time, as seconds since 1970-01-01 00:00:00 of that same clock: what
        /// a search's date filters compare (the month the photographer saw), offset or not.
        public let localSeconds: Int64
        /// Seconds east of UTC (`+02:00` → 7200); nil when the file does not say.
        public let utcOffsetSeconds: Int?

        public init(localSeconds: Int64, utcOffsetSeconds: Int?) {
            self.localSeconds = localSeconds
            self.utcOffsetSeconds = utcOffsetSeconds
        }

        /// The moment, when the offset is known.
        public var instant: Date? {
            utcOffsetSeconds.map { Date(timeIntervalSince1970: TimeInterval(localSeconds - Int64($0))) }
        }

        public static func < (a: Taken, b: Taken) -> Bool { a.localSeconds < b.localSeconds }
    }

    /// Where the photo was taken (GPS), in degrees: north and east positive.
    public struct Position: Sendable, Equatable {
        public let latitude: Double
        public let longitude: Double

        public init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    public var taken: Taken?
    public var cameraMake: String?
    public var cameraModel: String?
    public var position: Position?
    /// EXIF orientation, 1 (upright) to 8.
    public var orientation: Int?
    /// Tags that were there but could not be used, and why ("DateTimeOriginal '0000:00:00
    /// 00:00:00' is not a date").
    public var notes: [String] = []

    public init(taken: Taken? = nil, cameraMake: String? = nil, cameraModel: String? = nil,
                position: Position? = nil, orientation: Int? = nil, notes: [String] = []) {
        self.taken = taken
        self.cameraMake = cameraMake
        self.cameraModel = cameraModel
        self.position = position
        self.orientation = orientation
        self.notes = notes
    }

    /// Years a date taken may fall in; anything else is a broken clock or a broken file.
    public static let plausibleYears = 1826...2200
    /// The longest camera make or model kept, in characters.
    static let longestName = 128

    /// The EXIF of the file at `url` (JPEG; other files have none libexif reads).
    public static func read(contentsOf url: URL) -> PhotoMetadata {
        guard let data = url.withUnsafeFileSystemRepresentation({ path in path.flatMap { exif_data_new_from_file($0) } })
        else { return PhotoMetadata() }
        defer { exif_data_unref(data) }
        return PhotoMetadata(data)
    }

    /// The EXIF in `bytes`: a JPEG file, or an EXIF block (`Exif\0\0` and a TIFF header).
    public static func read(_ bytes: Data) -> PhotoMetadata {
        guard !bytes.isEmpty, let data = bytes.withUnsafeBytes({ raw in
            exif_data_new_from_data(raw.bindMemory(to: UInt8.self).baseAddress, UInt32(clamping: raw.count))
        }) else { return PhotoMetadata() }
        defer { exif_data_unref(data) }
        return PhotoMetadata(data)
    }

    private init(_ data: UnsafeMutablePointer<ExifData>) {
        let tags = ExifTags(data)
        if let text = tags.ascii(EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL) {
            if let local = Self.localSeconds(text) {
                var offset: Int?
                if let offsetText = tags.ascii(EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL) {
                    offset = Self.offsetSeconds(offsetText)
                    if offset == nil { notes.append("OffsetTimeOriginal '\(Self.shown(offsetText))' is not an offset from UTC") }
                }
                taken = Taken(localSeconds: local, utcOffsetSeconds: offset)
            } else {
                notes.append("DateTimeOriginal '\(Self.shown(text))' is not a date")
            }
        }
        cameraMake = name(tags.ascii(EXIF_IFD_0, EXIF_TAG_MAKE), tag: "Make")
        cameraModel = name(tags.ascii(EXIF_IFD_0, EXIF_TAG_MODEL), tag: "Model")
        if let value = tags.short(EXIF_IFD_0, EXIF_TAG_ORIENTATION) {
            if (1...8).contains(value) { orientation = Int(value) } else { notes.append("Orientation \(value) is not 1 to 8") }
        }
        position = gps(tags)
    }

    private mutating func name(_ text: String?, tag: String) -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard trimmed.count <= Self.longestName, !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else {
            notes.append("\(tag) '\(Self.shown(trimmed))' is not a name")
            return nil
        }
        return trimmed
    }

    private mutating func gps(_ tags: ExifTags) -> Position? {
        let latitude = tags.degrees(ExifTags.gps(EXIF_TAG_GPS_LATITUDE)), longitude = tags.degrees(ExifTags.gps(EXIF_TAG_GPS_LONGITUDE))
        if latitude == nil && longitude == nil { return nil }
        guard let latitude, let longitude else {
            notes.append("GPS position incomplete or not three finite rationals")
            return nil
        }
        let north = tags.ascii(EXIF_IFD_GPS, ExifTags.gps(EXIF_TAG_GPS_LATITUDE_REF)) ?? "N"
        let east = tags.ascii(EXIF_IFD_GPS, ExifTags.gps(EXIF_TAG_GPS_LONGITUDE_REF)) ?? "E"
        guard ["N", "S"].contains(north), ["E", "W"].contains(east) else {
            notes.append("GPS references '\(Self.shown(north))', '\(Self.shown(east))' are not N/S and E/W")
            return nil
        }
        let lat = north == "S" ? -latitude : latitude, lon = east == "W" ? -longitude : longitude
        guard abs(lat) <= 90, abs(lon) <= 180 else {
            notes.append("GPS position \(lat), \(lon) is outside the globe")
            return nil
        }
        // To 1e-7 degrees (about 1 cm): degrees, minutes and seconds as rationals do not add up
        // to the decimal the camera meant (2.2945 came out as 2.2944999999999998).
        return Position(latitude: (lat * 1e7).rounded() / 1e7, longitude: (lon * 1e7).rounded() / 1e7)
    }

    /// "YYYY:MM:DD HH:MM:SS" (dashes accepted in the date) as seconds of that wall clock since
    /// 1970; nil when it is not a real date in `plausibleYears`.
    static func localSeconds(_ text: String) -> Int64? {
        let scalars = Array(text.trimmingCharacters(in: .whitespaces).unicodeScalars)
        guard scalars.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? { digits(scalars, range) }
        guard [":", "-"].contains(scalars[4]), scalars[7] == scalars[4], [" ", "T"].contains(scalars[10]),
              scalars[13] == ":", scalars[16] == ":",
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              plausibleYears.contains(year), (1...12).contains(month), hour < 24, minute < 60, second < 61
        else { return nil }
        guard (1...WallClock.daysIn(month: month, year: year)).contains(day) else { return nil }
        return WallClock.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
    }

    /// "+HH:MM" / "-HH:MM" as seconds east of UTC, within ±14 hours.
    static func offsetSeconds(_ text: String) -> Int? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).unicodeScalars)
        guard s.count == 6, s[0] == "+" || s[0] == "-", s[3] == ":",
              let h = digits(s, 1..<3), let m = digits(s, 4..<6), m < 60, h * 60 + m <= 14 * 60 else { return nil }
        return (s[0] == "-" ? -1 : 1) * (h * 3600 + m * 60)
    }

    /// The ASCII digits at `range` as a number; nil when any is not a digit.
    private static func digits(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> Int? {
        var value = 0
        for i in range {
            let v = scalars[i].value
            guard v >= 48, v <= 57 else { return nil }
            value = value * 10 + Int(v - 48)
        }
        return value
    }

    /// A value as a note shows it: at most 40 characters, control characters escaped.
    static func shown(_ text: String) -> String {
        let clipped = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return clipped.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? $0.escaped(asASCII: true) : String($0) }.joined()
    }
}

/// Typed reads of one parsed EXIF block's entries; every length is checked against the entry.
private struct ExifTags {
    let data: UnsafeMutablePointer<ExifData>
    let order: ExifByteOrder

    /// libexif's GPS tags are macros (their numbers overlap other IFDs' tags).
    static func gps(_ tag: Int32) -> ExifTag { ExifTag(rawValue: UInt32(tag)) }

    init(_ data: UnsafeMutablePointer<ExifData>) {
        self.data = data
        order = exif_data_get_byte_order(data)
    }

    func entry(_ ifd: ExifIfd, _ tag: ExifTag) -> UnsafeMutablePointer<ExifEntry>? {
        guard let content = withUnsafeMutablePointer(to: &data.pointee.ifd, { tuple in
            tuple.withMemoryRebound(to: UnsafeMutablePointer<ExifContent>?.self, capacity: Int(EXIF_IFD_COUNT.rawValue)) {
                $0[Int(ifd.rawValue)]
            }
        }) else { return nil }
        return exif_content_get_entry(content, tag)
    }

    /// An ASCII entry's text up to its first NUL; nil when missing, of another format or not UTF-8.
    func ascii(_ ifd: ExifIfd, _ tag: ExifTag) -> String? {
        guard let e = entry(ifd, tag), e.pointee.format == EXIF_FORMAT_ASCII, let bytes = e.pointee.data,
              e.pointee.size > 0, e.pointee.size <= 4096 else { return nil }
        let buffer = UnsafeBufferPointer(start: bytes, count: Int(e.pointee.size))
        let text = buffer.prefix { $0 != 0 }
        return String(bytes: text, encoding: .utf8)
    }

    /// A SHORT entry's first value.
    func short(_ ifd: ExifIfd, _ tag: ExifTag) -> UInt16? {
        guard let e = entry(ifd, tag), e.pointee.format == EXIF_FORMAT_SHORT, e.pointee.components >= 1,
              let bytes = e.pointee.data, e.pointee.size >= 2 else { return nil }
        return exif_get_short(bytes, order)
    }

    /// A GPS coordinate: three RATIONALs (degrees, minutes, seconds) as decimal degrees; nil
    /// when missing, short, of another format, or with a zero denominator.
    func degrees(_ tag: ExifTag) -> Double? {
        guard let e = entry(EXIF_IFD_GPS, tag), e.pointee.format == EXIF_FORMAT_RATIONAL, e.pointee.components >= 3,
              let bytes = e.pointee.data, e.pointee.size >= 24 else { return nil }
        var parts: [Double] = []
        for i in 0..<3 {
            let r = exif_get_rational(bytes + 8 * i, order)
            guard r.denominator != 0 else { return nil }
            parts.append(Double(r.numerator) / Double(r.denominator))
        }
        guard parts[1] < 60, parts[2] < 60 else { return nil }
        let value = parts[0] + parts[1] / 60 + parts[2] / 3600
        return value.isFinite ? value : nil
    }
}
