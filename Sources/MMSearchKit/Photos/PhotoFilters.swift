import Foundation

/// Where results must have been taken: within `radiusMeters` of a point (great-circle
/// distance on a sphere of the Earth's mean radius).
public struct GeoCircle: Sendable, Equatable, Hashable {
    public let latitude: Double
    public let longitude: Double
    public let radiusMeters: Double

    /// The radius of a place given without one.
    public static let defaultRadiusMeters = 5_000.0
    /// The Earth's mean radius (IUGG), in metres.
    public static let earthRadiusMeters = 6_371_008.8

    public init(latitude: Double, longitude: Double, radiusMeters: Double = GeoCircle.defaultRadiusMeters) {
        self.latitude = latitude
        self.longitude = longitude
        self.radiusMeters = radiusMeters
    }

    /// `LAT,LON` or `LAT,LON:RADIUS` (degrees, north and east positive; the radius in km, or
    /// with a unit: `500m`, `2.5km`). Throws a usage error saying what is wrong.
    public init(parsing text: String) throws {
        func fail(_ why: String) -> MMSearchError {
            MMSearchError(.usage, "'\(text)' is not a place to search around: \(why) "
                          + "(write LAT,LON or LAT,LON:RADIUS, e.g. 48.8584,2.2945:2km)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let halves = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let point = halves[0].split(separator: ",", omittingEmptySubsequences: false)
        guard point.count == 2 else { throw fail("expected two numbers separated by a comma") }
        guard let latitude = Double(point[0].trimmingCharacters(in: .whitespaces)), latitude.isFinite,
              let longitude = Double(point[1].trimmingCharacters(in: .whitespaces)), longitude.isFinite
        else { throw fail("the latitude and longitude must be numbers in degrees") }
        guard (-90...90).contains(latitude) else { throw fail("a latitude is between -90 and 90") }
        guard (-180...180).contains(longitude) else { throw fail("a longitude is between -180 and 180") }
        var radius = Self.defaultRadiusMeters
        if halves.count == 2 {
            var value = halves[1].trimmingCharacters(in: .whitespaces).lowercased()
            var scale = 1_000.0
            if value.hasSuffix("km") {
                value.removeLast(2)
            } else if value.hasSuffix("m") {
                value.removeLast()
                scale = 1
            }
            guard let number = Double(value.trimmingCharacters(in: .whitespaces)), number.isFinite, number > 0 else {
                throw fail("the radius must be a positive number of km (or 500m)")
            }
            radius = number * scale
            guard radius <= Double.pi * Self.earthRadiusMeters else { throw fail("the radius is larger than the Earth") }
        }
        self.init(latitude: latitude, longitude: longitude, radiusMeters: radius)
    }

    /// Great-circle distance in metres from the centre to a point (haversine).
    public func distance(latitude: Double, longitude: Double) -> Double {
        let (φ1, φ2) = (self.latitude * .pi / 180, latitude * .pi / 180)
        let (dφ, dλ) = (φ2 - φ1, (longitude - self.longitude) * .pi / 180)
        let a = sin(dφ / 2) * sin(dφ / 2) + cos(φ1) * cos(φ2) * sin(dλ / 2) * sin(dλ / 2)
        return 2 * Self.earthRadiusMeters * asin(min(1, a.squareRoot()))
    }

    public func contains(latitude: Double, longitude: Double) -> Bool {
        distance(latitude: latitude, longitude: longitude) <= radiusMeters
    }

    /// The latitudes a point inside can have: what a store asks its index for before the
    /// exact distance.
    public var latitudes: ClosedRange<Double> {
        let degrees = radiusMeters / Self.earthRadiusMeters * 180 / .pi
        return max(-90, latitude - degrees)...min(90, latitude + degrees)
    }

    /// `48.8584,2.2945:5km`.
    public var description: String {
        let radius = radiusMeters >= 1_000 ? "\(Self.number(radiusMeters / 1_000))km" : "\(Self.number(radiusMeters))m"
        return "\(Self.number(latitude)),\(Self.number(longitude)):\(radius)"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// Which dates results must have (see `FileDate`: the date taken, or the modification time):
/// at or after `after`, before `before`; wall-clock seconds (`WallClock`), nil for no bound.
public struct DateWindow: Sendable, Equatable, Hashable {
    public var after: Int64?
    public var before: Int64?

    public init(after: Int64? = nil, before: Int64? = nil) {
        self.after = after
        self.before = before
    }

    /// A window from dates as people write them (`2024`, `2024-06`, `2024-06-15`,
    /// `2024-06-15T14:30`): `after` means from the start of that period on, `before` up to its
    /// start. A text that is not such a date, or a window that holds nothing, is a usage error.
    public init(after: String?, before: String?) throws {
        func parse(_ text: String?) throws -> Int64? {
            guard let text else { return nil }
            guard let seconds = WallClock.start(of: text) else {
                throw MMSearchError(.usage, "'\(text)' is not a date: write 2024, 2024-06, 2024-06-15 or 2024-06-15T14:30")
            }
            return seconds
        }
        self.init(after: try parse(after), before: try parse(before))
        if let a = self.after, let b = self.before, a >= b {
            throw MMSearchError(.usage, "no date is both from the start of \(after ?? "") on and before the start of "
                                + "\(before ?? "")")
        }
    }

    public var isEmpty: Bool { after == nil && before == nil }

    public func contains(_ date: FileDate) -> Bool {
        (after.map { date.localSeconds >= $0 } ?? true) && (before.map { date.localSeconds < $0 } ?? true)
    }

    /// The window on modification times, in nanoseconds since 1970 UTC, for files without a
    /// date taken: the bounds read on `zone`'s clock, as `FileDate` shows them.
    public func modifiedNanoseconds(zone: TimeZone = .current) -> (from: Int64?, below: Int64?) {
        func ns(_ local: Int64?) -> Int64? {
            // Times past 2262 (or before 1677) do not fit in nanoseconds: every file is before (after) them.
            local.map { min(max(WallClock.instant($0, in: zone), Int64.min / 1_000_000_000), Int64.max / 1_000_000_000) * 1_000_000_000 }
        }
        return (ns(after), ns(before))
    }
}

/// The columns of both stores' photo tables (embedded `photos-1`, PostgreSQL `pg-3`), in the
/// order their reads decode them.
public enum PhotoColumns {
    public static let names = ["taken_local", "taken_offset", "camera_make", "camera_model", "latitude", "longitude",
                               "orientation"]

    /// `taken_local, taken_offset, …`, each prefixed by `alias.` when given.
    public static func list(of alias: String? = nil) -> String {
        let prefix = alias.map { $0 + "." } ?? ""
        return names.map { prefix + $0 }.joined(separator: ", ")
    }
}

/// SQL LIKE patterns, as both stores match a camera's name (backslash as the escape character:
/// `LIKE ? ESCAPE '\'` in SQLite, PostgreSQL's default).
public enum LikePattern {
    /// A pattern matching `text` anywhere, its `%`, `_` and `\` taken literally.
    public static func containing(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }
}

/// The order of a search's results.
public enum ResultOrder: String, Sendable, CaseIterable, Codable {
    /// Best match first (the default).
    case score
    /// Oldest first, by `FileDate`; equal dates by score.
    case date
    /// Newest first.
    case newestFirst = "-date"

    /// `hits` in this order (a stable sort: equal dates keep their score order).
    public func sorted(_ hits: [SearchHit]) -> [SearchHit] {
        guard self != .score else { return hits }
        let ranked = hits.enumerated().map { (rank: $0.offset, hit: $0.element) }
        return ranked.sorted { a, b in
            let (da, db) = (a.hit.date?.localSeconds, b.hit.date?.localSeconds)
            if da != db {
                // Results without a date (none: every store gives one) last.
                guard let da else { return false }
                guard let db else { return true }
                return self == .date ? da < db : da > db
            }
            return a.rank < b.rank
        }.map(\.hit)
    }
}
