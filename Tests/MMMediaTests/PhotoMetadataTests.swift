import Foundation
@testable import MMMedia
import MMTestSupport
import Testing

/// `PhotoMetadata` on the photos of Tests/Fixtures/photos, whose EXIF
/// Scripts/fixtures/make_exif_fixtures.py writes byte by byte (and Pillow reads back the same):
/// dates with and without offsets, both hemispheres, cameras, orientation; and damaged blocks,
/// each ignored with a note naming the tag, never a crash.
struct PhotoMetadataTests {
    struct Expected: Decodable {
        let taken: String?
        let offset: Int?
        let make: String?
        let model: String?
        let orientation: Int?
        let latitude: Double?
        let longitude: Double?
        let notes: [String]?
        let survives: Bool?
    }

    static func expected() throws -> [String: Expected] {
        try JSONDecoder().decode([String: Expected].self,
                                 from: Data(contentsOf: TestPaths.fixture("photos/exif-expected.json")))
    }

    /// Seconds since 1970 of a wall-clock time, by Foundation's calendar in UTC (not the reader's).
    static func wallClockSeconds(_ iso: String) throws -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        let date = try #require(formatter.date(from: iso), "\(iso)")
        return Int64(date.timeIntervalSince1970)
    }

    @Test func everyFixturePhotoReadsAsExpected() throws {
        let all = try Self.expected()
        #expect(all.count >= 15)
        for (name, want) in all.sorted(by: { $0.key < $1.key }) {
            let got = PhotoMetadata.read(contentsOf: TestPaths.fixture("photos/\(name).jpg"))
            if want.survives == true { continue }  // damaged structure: that it returned is the test
            if let taken = want.taken {
                #expect(got.taken == PhotoMetadata.Taken(localSeconds: try Self.wallClockSeconds(taken), utcOffsetSeconds: want.offset),
                        "\(name): taken \(String(describing: got.taken))")
            } else {
                #expect(got.taken == nil, "\(name): taken \(String(describing: got.taken))")
            }
            #expect(got.cameraMake == want.make && got.cameraModel == want.model, "\(name): camera \(String(describing: got.cameraMake)) \(String(describing: got.cameraModel))")
            #expect(got.orientation == want.orientation, "\(name): orientation")
            if let latitude = want.latitude, let longitude = want.longitude {
                let position = try #require(got.position, "\(name): no position")
                #expect(abs(position.latitude - latitude) < 1e-4 && abs(position.longitude - longitude) < 1e-4, "\(name): \(position)")
            } else {
                #expect(got.position == nil, "\(name): position \(String(describing: got.position))")
            }
            let notes = want.notes ?? []
            #expect(got.notes.count == notes.count, "\(name): notes \(got.notes)")
            for (note, tag) in zip(got.notes, notes) { #expect(note.hasPrefix(tag), "\(name): note '\(note)'") }
        }
    }

    @Test func theOffsetGivesTheInstantAndWithoutItThereIsNone() throws {
        let paris = PhotoMetadata.read(contentsOf: TestPaths.fixture("photos/exif-paris-offset.jpg"))
        let instant = try #require(paris.taken?.instant)
        #expect(instant == Date(timeIntervalSince1970: TimeInterval(try Self.wallClockSeconds("2024-06-15T12:30:05"))))
        #expect(PhotoMetadata.read(contentsOf: TestPaths.fixture("photos/exif-rio-no-offset.jpg")).taken?.instant == nil)
    }

    @Test func filesWithoutEXIFAndNonJPEGsHaveNone() throws {
        for path in ["Media/cat-chelsea.png", "Media/horse.jpg", "README.md"] {
            let got = PhotoMetadata.read(contentsOf: TestPaths.repository.appendingPathComponent(path))
            #expect(got == PhotoMetadata(), "\(path)")
        }
        #expect(PhotoMetadata.read(contentsOf: URL(fileURLWithPath: "/nonexistent/photo.jpg")) == PhotoMetadata())
        #expect(PhotoMetadata.read(Data()) == PhotoMetadata())
    }

    @Test func everyCutOfADamagedBlockReadsWithoutCrashing() throws {
        // Every prefix and a byte flipped at every position of a good file's first 400 bytes.
        let good = try Data(contentsOf: TestPaths.fixture("photos/exif-paris-offset.jpg"))
        for length in stride(from: 0, through: 400, by: 3) { _ = PhotoMetadata.read(good.prefix(length)) }
        for at in 0..<400 {
            var bad = good.prefix(1200)
            bad[at] ^= 0xA5
            let got = PhotoMetadata.read(bad)
            if let position = got.position { #expect(abs(position.latitude) <= 90 && abs(position.longitude) <= 180) }
            if let orientation = got.orientation { #expect((1...8).contains(orientation)) }
        }
    }

    @Test func datesAreCheckedAsCalendarDates() {
        #expect(PhotoMetadata.localSeconds("1970:01:01 00:00:00") == 0)
        #expect(PhotoMetadata.localSeconds("2000-03-01 00:00:00") == 951_868_800)
        #expect(PhotoMetadata.localSeconds("2100:02:29 00:00:00") == nil)  // not a leap year
        #expect(PhotoMetadata.localSeconds("2024:13:01 00:00:00") == nil)
        #expect(PhotoMetadata.localSeconds("2024:01:01 24:00:00") == nil)
        #expect(PhotoMetadata.localSeconds("1700:01:01 00:00:00") == nil)
        #expect(PhotoMetadata.localSeconds("２０２４:01:01 00:00:00") == nil)  // full-width digits
        #expect(PhotoMetadata.offsetSeconds("+14:00") == 50_400 && PhotoMetadata.offsetSeconds("+14:01") == nil)
        #expect(PhotoMetadata.offsetSeconds("-00:30") == -1800 && PhotoMetadata.offsetSeconds("0530") == nil)
    }
}
