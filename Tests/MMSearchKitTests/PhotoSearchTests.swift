import Foundation
import GRDB
import MMTestSupport
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Dates, cameras and places: read from the photos' EXIF at index time (the photos of
/// Tests/Fixtures/photos, written by Scripts/fixtures/make_exif_fixtures.py), kept by every
/// store, filtered on during the scan and sorted by.
@Suite struct PhotoSearchTests {
    /// Five files: three photos with a date taken (Paris with +02:00, Rio without an offset, a
    /// leap day at −05:30), a Canon photo whose date is absurd (so its modification time
    /// dates it) and a text file.
    struct Library {
        let f: Fixture
        let paris: String, rio: String, leap: String, canon: String, notes: String

        init(store: TestStore) throws {
            let fixture = try Fixture(store: store)
            f = fixture
            func copy(_ name: String, as copyName: String, modified: Int64) throws -> String {
                let path = fixture.photos.appendingPathComponent(copyName).path
                try FileManager.default.copyItem(atPath: TestPaths.fixture("photos/\(name).jpg").path, toPath: path)
                try Self.setModified(path, modified)
                return path
            }
            let late = WallClock.seconds(year: 2025, month: 1, day: 10, hour: 12)
            paris = try copy("exif-paris-offset", as: "paris.jpg", modified: late)
            rio = try copy("exif-rio-no-offset", as: "rio.jpg", modified: late)
            leap = try copy("exif-leap-day-negative-offset", as: "leap.jpg", modified: late)
            canon = try copy("exif-absurd-date", as: "canon.jpg", modified: WallClock.seconds(year: 2020, month: 5, day: 5, hour: 12))
            notes = try fixture.photo("notes.txt", "a text about nothing in particular")
            try Self.setModified(notes, WallClock.seconds(year: 2021, month: 3, day: 4, hour: 9, minute: 15))
        }

        /// Sets a file's modification time to a wall-clock time of this machine's zone.
        static func setModified(_ path: String, _ local: Int64) throws {
            let instant = Date(timeIntervalSince1970: TimeInterval(WallClock.instant(local)))
            try FileManager.default.setAttributes([.modificationDate: instant], ofItemAtPath: path)
        }

        /// Every file passing `options`' filters, in the order the search gives.
        func search(_ options: SearchOptions) throws -> [SearchHit] {
            try f.engine.reader().search(hashVector(Array("anything".utf8), dimension: f.pack.space.dimension),
                                         limit: 100, options: options)
        }

        func paths(_ options: SearchOptions) throws -> Set<String> {
            Set(try search(options).map(\.path))
        }
    }

    static func dates(after: String? = nil, before: String? = nil) throws -> SearchOptions {
        SearchOptions(dates: try DateWindow(after: after, before: before))
    }

    @Test(arguments: TestStore.allCases)
    func everyFilterAndTheModificationTimeFallback(store: TestStore) throws {
        let l = try Library(store: store)
        let (summary, failures) = try l.f.index()
        #expect(summary.indexed == 5 && failures.isEmpty)
        // The absurd date is told, once, and the photo is indexed without it.
        #expect(summary.photoNotes.map(\.path) == [l.canon])
        #expect(summary.photoNotes.first?.reason.contains("DateTimeOriginal") == true)

        #expect(try l.paths(Self.dates(after: "2024")) == [l.paris, l.leap])
        #expect(try l.paths(Self.dates(after: "2024-06", before: "2024-07")) == [l.paris])
        #expect(try l.paths(Self.dates(after: "2024-02-29", before: "2024-03")) == [l.leap])
        // Wall-clock time: 23:59:59 on New Year's Eve, whatever the (unknown) offset.
        #expect(try l.paths(Self.dates(before: "2020")) == [l.rio])
        #expect(try l.paths(Self.dates(after: "2019-12-31T23:59")) == [l.paris, l.leap, l.canon, l.notes, l.rio])
        // No date taken: the modification time, marked as such.
        #expect(try l.paths(Self.dates(after: "2020-05", before: "2020-06")) == [l.canon])
        #expect(try l.paths(Self.dates(after: "2021-03-04T09:15", before: "2021-03-04T09:16")) == [l.notes])
        let canonHit = try #require(try l.search(Self.dates(after: "2020-05", before: "2020-06")).first)
        #expect(canonHit.date?.source == .modified)
        #expect(canonHit.date?.shortText == "2020-05-05 12:00")
        #expect(canonHit.camera == "Canon EOS 80D")

        #expect(try l.paths(SearchOptions(camera: "canon")) == [l.paris, l.canon])
        #expect(try l.paths(SearchOptions(camera: "IPHONE 12")) == [l.rio])
        #expect(try l.paths(SearchOptions(camera: "apple iphone")) == [l.rio])
        #expect(try l.paths(SearchOptions(camera: "nikon")).isEmpty)
        #expect(try l.paths(SearchOptions(camera: "%")).isEmpty)

        // Notre-Dame is 4.2 km from the Eiffel Tower, where the Paris photo was taken.
        let notreDame = try GeoCircle(parsing: "48.8530,2.3499")
        #expect(try l.paths(SearchOptions(near: notreDame)) == [l.paris])
        #expect(try l.paths(SearchOptions(near: try GeoCircle(parsing: "48.8530,2.3499:4km"))).isEmpty)
        #expect(try l.paths(SearchOptions(near: try GeoCircle(parsing: "-22.95,-43.21:500m"))) == [l.rio])
        // Filters combine with each other and with the others.
        #expect(try l.paths(SearchOptions(modalities: [.image], dates: try DateWindow(after: "2019", before: nil),
                                          camera: "canon")) == [l.paris, l.canon])
        #expect(try l.paths(SearchOptions(dates: try DateWindow(after: "2024", before: nil), near: notreDame)) == [l.paris])
        #expect(try l.paths(SearchOptions(dates: try DateWindow(after: "2025", before: nil), near: notreDame)).isEmpty)

        // What a hit carries.
        let parisHit = try #require(try l.search(SearchOptions(near: notreDame)).first)
        #expect(parisHit.date == FileDate(localSeconds: WallClock.seconds(year: 2024, month: 6, day: 15, hour: 14, minute: 30, second: 5),
                                          utcOffsetSeconds: 7200, source: .taken))
        #expect(parisHit.date?.iso8601 == "2024-06-15T14:30:05+02:00")
        #expect(abs((parisHit.photo?.position?.latitude ?? 0) - 48.8584) < 1e-9)
        #expect(abs((parisHit.photo?.position?.longitude ?? 0) - 2.2945) < 1e-9)
        #expect(parisHit.photo?.orientation == 6)
        let rioHit = try #require(try l.search(SearchOptions(camera: "iphone")).first)
        #expect(rioHit.date?.iso8601 == "2019-12-31T23:59:59")
        #expect(rioHit.camera == "Apple iPhone 12")
    }

    @Test(arguments: TestStore.allCases)
    func sortsByDateEitherWayAndCountsDatesAndPlaces(store: TestStore) throws {
        let l = try Library(store: store)
        _ = try l.f.index()
        let oldestFirst = [l.rio, l.canon, l.notes, l.leap, l.paris]
        #expect(try l.search(SearchOptions(order: .date)).map(\.path) == oldestFirst)
        #expect(try l.search(SearchOptions(order: .newestFirst)).map(\.path) == oldestFirst.reversed())
        // Sorting orders the best results; it does not change which they are.
        let best = try l.f.engine.reader().search(hashVector(Array("anything".utf8), dimension: 24), limit: 3)
        let sorted = try l.f.engine.reader().search(hashVector(Array("anything".utf8), dimension: 24), limit: 3,
                                                    options: SearchOptions(order: .date))
        #expect(Set(best.map(\.path)) == Set(sorted.map(\.path)))
        #expect(sorted.map { $0.date!.localSeconds } == sorted.map { $0.date!.localSeconds }.sorted())

        let counts = try #require(try l.f.index.report().first).counts.dates
        #expect(counts.taken == 3 && counts.modified == 2)
        #expect(counts.positioned == 2 && counts.withCamera == 3)
        #expect(counts.earliest?.iso8601 == "2019-12-31T23:59:59")
        #expect(counts.latest?.iso8601 == "2024-06-15T14:30:05+02:00")
    }

    @Test(arguments: TestStore.allCases)
    func copiesAndMovesKeepTheirDetailsAndChangedPhotosAreReadAgain(store: TestStore) throws {
        let l = try Library(store: store)
        _ = try l.f.index()
        let embedded = l.f.imageEmbeds
        // A copy (same bytes: not embedded) and a move keep the date, camera and place.
        let copy = l.f.photos.appendingPathComponent("paris-copy.jpg").path
        try FileManager.default.copyItem(atPath: l.paris, toPath: copy)
        let moved = l.f.photos.appendingPathComponent("moved/rio.jpg").path
        try FileManager.default.createDirectory(atPath: (moved as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: l.rio, toPath: moved)
        _ = try l.f.index()
        #expect(l.f.imageEmbeds == embedded)
        #expect(try l.paths(SearchOptions(camera: "canon eos")) == [l.paris, copy, l.canon])
        #expect(try l.paths(SearchOptions(camera: "iphone")) == [moved])
        #expect(try l.search(SearchOptions(camera: "iphone")).first?.date?.source == .taken)

        // New bytes: read again (the Paris photo replaced by the leap-day one: no camera now).
        try FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: l.leap, toPath: copy)
        try Library.setModified(copy, WallClock.seconds(year: 2025, month: 2, day: 1))
        _ = try l.f.index()
        #expect(try l.paths(SearchOptions(camera: "canon eos")) == [l.paris, l.canon])
        #expect(try l.paths(Self.dates(after: "2024-02-29", before: "2024-03")) == [l.leap, copy])
    }

    @Test func anIndexFromBeforePhotoDetailsReadsThemWithoutEmbeddingAgain() throws {
        let l = try Library(store: .embedded)
        _ = try l.f.index()
        let embedded = l.f.imageEmbeds
        // An index written before the photo table: no rows in it (the table itself is made by
        // the migration every writer runs).
        let queue = try DatabaseQueue(path: l.f.indexDirectory.appendingPathComponent("catalog.sqlite").path)
        try queue.write { try $0.execute(sql: "DELETE FROM photo") }
        try queue.close()
        #expect(try l.paths(SearchOptions(camera: "canon")).isEmpty)
        #expect(try l.search(SearchOptions(order: .date)).first(where: { $0.path == l.paris })?.date?.source == .modified)

        var phases: [IndexProgress.Phase] = []
        let (summary, _) = try l.f.index { progress in
            if phases.last != progress.phase { phases.append(progress.phase) }
        }
        #expect(summary.indexed == 0 && summary.unchanged == 5)
        #expect(l.f.imageEmbeds == embedded)
        #expect(phases.contains(.photoDetails))
        #expect(try l.paths(SearchOptions(camera: "canon")) == [l.paris, l.canon])
        #expect(try l.search(SearchOptions(order: .date)).map(\.path) == [l.rio, l.canon, l.notes, l.leap, l.paris])
        // Once read, a run has nothing more to read.
        phases = []
        _ = try l.f.index { progress in
            if phases.last != progress.phase { phases.append(progress.phase) }
        }
        #expect(!phases.contains(.photoDetails))
    }

    @Test func brokenEXIFIsIgnoredWithANoteAndThePhotoIsIndexed() throws {
        let f = try Fixture()
        let names = ["exif-truncated", "exif-ifd-loop", "exif-segment-overruns", "exif-zero-date", "exif-latitude-123",
                     "exif-zero-denominator", "exif-control-characters", "exif-orientation-99", "exif-not-a-leap-day"]
        for name in names {
            try FileManager.default.copyItem(atPath: TestPaths.fixture("photos/\(name).jpg").path,
                                             toPath: f.photos.appendingPathComponent(name + ".jpg").path)
        }
        let (summary, failures) = try f.index()
        #expect(summary.indexed == names.count && failures.isEmpty)
        let noted = Set(summary.photoNotes.map { ($0.path as NSString).lastPathComponent })
        for name in ["exif-zero-date", "exif-latitude-123", "exif-zero-denominator", "exif-control-characters",
                     "exif-orientation-99", "exif-not-a-leap-day"] {
            #expect(noted.contains(name + ".jpg"), "\(name) has a note")
        }
        // Nothing of the bad values was kept.
        let hits = try f.engine.reader().search(hashVector(Array("x".utf8), dimension: 24), limit: 100)
        let details = Dictionary(uniqueKeysWithValues: hits.map { (($0.path as NSString).lastPathComponent, $0) })
        #expect(details.count == names.count)
        for name in ["exif-zero-date", "exif-not-a-leap-day"] {
            #expect(details[name + ".jpg"]?.date?.source == .modified, "\(name)")
        }
        for name in ["exif-latitude-123", "exif-zero-denominator"] {
            #expect(details[name + ".jpg"]?.photo != nil && details[name + ".jpg"]?.photo?.position == nil, "\(name)")
        }
        #expect(details["exif-orientation-99.jpg"]?.photo?.orientation == nil)
        #expect(details["exif-control-characters.jpg"]?.photo?.cameraMake == nil)
        let counts = try #require(try f.index.report().first).counts.dates
        #expect(counts.taken + counts.modified == names.count)
    }
}

/// The parts of photo search that need no index.
@Suite struct PhotoFilterTests {
    @Test func datesPeopleWriteAreTheStartOfTheirPeriod() throws {
        #expect(WallClock.start(of: "2024") == WallClock.seconds(year: 2024, month: 1, day: 1))
        #expect(WallClock.start(of: "2024-06") == WallClock.seconds(year: 2024, month: 6, day: 1))
        #expect(WallClock.start(of: "2024-02-29") == WallClock.seconds(year: 2024, month: 2, day: 29))
        #expect(WallClock.start(of: "2024-06-15T14:30") == WallClock.seconds(year: 2024, month: 6, day: 15, hour: 14, minute: 30))
        #expect(WallClock.start(of: "2024-06-15 14:30:05") == WallClock.seconds(year: 2024, month: 6, day: 15, hour: 14, minute: 30, second: 5))
        for bad in ["", "24", "2024-6", "2023-02-29", "2024-13", "2024-06-31", "2024-06-15T25:00", "2024-06T10:00",
                    "２０２４", "2024-06-15T14", "-2024", "2024/06/15", "June 2024"] {
            #expect(WallClock.start(of: bad) == nil, "\(bad)")
        }
        // The calendar round-trips far from 1970 both ways.
        for days in [-719_468, -1, 0, 59, 10_957, 19_782, 2_932_896] {
            let (y, m, d) = WallClock.civil(fromDays: days)
            #expect(WallClock.daysFromCivil(year: y, month: m, day: d) == days)
        }
        #expect(WallClock.iso8601(WallClock.seconds(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59))
                == "1969-12-31T23:59:59")
    }

    @Test func aDateWindowTakesItsBoundsAndRefusesAnEmptyOne() throws {
        let year = try DateWindow(after: "2024", before: "2025")
        let taken = { (y: Int, m: Int, d: Int) in FileDate(localSeconds: WallClock.seconds(year: y, month: m, day: d), utcOffsetSeconds: nil, source: .taken) }
        #expect(year.contains(taken(2024, 1, 1)) && year.contains(taken(2024, 12, 31)))
        #expect(!year.contains(taken(2025, 1, 1)) && !year.contains(taken(2023, 12, 31)))
        #expect(throws: MMSearchError.self) { try DateWindow(after: "2024", before: "2024") }
        #expect(throws: MMSearchError.self) { try DateWindow(after: "2024-13", before: nil) }
        // Modification times are compared as instants of this machine's clock.
        let utc = TimeZone(identifier: "UTC")!, tokyo = TimeZone(identifier: "Asia/Tokyo")!
        let window = DateWindow(after: WallClock.seconds(year: 2024, month: 6, day: 1), before: nil)
        #expect(window.modifiedNanoseconds(zone: utc).from == WallClock.seconds(year: 2024, month: 6, day: 1) * 1_000_000_000)
        #expect(window.modifiedNanoseconds(zone: tokyo).from == (WallClock.seconds(year: 2024, month: 6, day: 1) - 9 * 3600) * 1_000_000_000)
        #expect(DateWindow(after: nil, before: WallClock.start(of: "9999")).modifiedNanoseconds(zone: utc).below == Int64.max / 1_000_000_000 * 1_000_000_000)
        // A modification time is shown on the machine's clock, marked.
        let date = FileDate(photo: nil, mtimeNs: WallClock.seconds(year: 2024, month: 6, day: 1) * 1_000_000_000, zone: tokyo)
        #expect(date.iso8601 == "2024-06-01T09:00:00+09:00" && date.source == .modified)
    }

    @Test func placesParseWithTheirRadiusAndMeasureOnTheSphere() throws {
        let eiffel = try GeoCircle(parsing: "48.8584,2.2945")
        #expect(eiffel.radiusMeters == 5_000)
        #expect(try GeoCircle(parsing: "48.8584, 2.2945:500m").radiusMeters == 500)
        #expect(try GeoCircle(parsing: "48.8584,2.2945:2.5km").radiusMeters == 2_500)
        #expect(try GeoCircle(parsing: "48.8584,2.2945:3").radiusMeters == 3_000)
        #expect(try GeoCircle(parsing: "-22.9519,-43.2105:1KM").latitude == -22.9519)
        for bad in ["", "48.8584", "48.8584;2.2945", "91,0", "0,181", "a,b", "0,0:", "0,0:-1km", "0,0:0", "0,0:nan",
                    "0,0:30000km", "nan,0", "0,0,0"] {
            #expect(throws: MMSearchError.self, "\(bad)") { try GeoCircle(parsing: bad) }
        }
        // Paris to London: 343.5 km (haversine on the mean radius).
        let london = (latitude: 51.5074, longitude: -0.1278)
        let paris = GeoCircle(latitude: 48.8566, longitude: 2.3522, radiusMeters: 344_000)
        #expect(abs(paris.distance(latitude: london.latitude, longitude: london.longitude) - 343_500) < 1_000)
        #expect(paris.contains(latitude: london.latitude, longitude: london.longitude))
        // Across the antimeridian and near a pole.
        let fiji = GeoCircle(latitude: -17, longitude: 179.99, radiusMeters: 10_000)
        #expect(fiji.contains(latitude: -17, longitude: -179.99))
        let pole = GeoCircle(latitude: 89.99, longitude: 0, radiusMeters: 5_000)
        #expect(pole.contains(latitude: 89.99, longitude: 180))
        #expect(pole.latitudes.upperBound == 90)
        #expect(eiffel.description == "48.8584,2.2945:5km")
        #expect(try GeoCircle(parsing: "1,2:500m").description == "1,2:500m")
    }

    @Test func dateOrderIsStableAndKeepsScoresForTies() {
        func hit(_ name: String, _ score: Float, _ day: Int?) -> SearchHit {
            SearchHit(path: "/" + name, score: score, modality: .image,
                      date: day.map { FileDate(localSeconds: Int64($0) * 86_400, utcOffsetSeconds: nil, source: .taken) })
        }
        let hits = [hit("a", 0.9, 3), hit("b", 0.8, 1), hit("c", 0.7, 3), hit("d", 0.6, nil), hit("e", 0.5, 2)]
        #expect(ResultOrder.score.sorted(hits).map(\.path) == ["/a", "/b", "/c", "/d", "/e"])
        #expect(ResultOrder.date.sorted(hits).map(\.path) == ["/b", "/e", "/a", "/c", "/d"])
        #expect(ResultOrder.newestFirst.sorted(hits).map(\.path) == ["/a", "/c", "/e", "/b", "/d"])
    }

    @Test func cameraNamesLeaveOutAMakeTheModelRepeats() {
        #expect(PhotoMetadata(cameraMake: "Canon", cameraModel: "Canon EOS 80D").camera == "Canon EOS 80D")
        #expect(PhotoMetadata(cameraMake: "NIKON CORPORATION", cameraModel: "NIKON D750").camera == "NIKON D750")
        #expect(PhotoMetadata(cameraMake: "Apple", cameraModel: "iPhone 12").camera == "Apple iPhone 12")
        #expect(PhotoMetadata(cameraMake: "Apple").camera == "Apple")
        #expect(PhotoMetadata().camera == nil)
    }

    @Test func theJSONDocumentCarriesDatesCamerasAndPlacesBothWays() throws {
        let date = FileDate(localSeconds: WallClock.seconds(year: 2024, month: 2, day: 29, hour: 8), utcOffsetSeconds: -19_800,
                            source: .taken)
        let hit = SearchHit(fileID: 7, path: "/p/leap.jpg", score: 0.5, modality: .image, date: date,
                            photo: PhotoMetadata(cameraMake: "Canon", cameraModel: "Canon EOS 80D",
                                                 position: .init(latitude: -22.9519, longitude: -43.2105)))
        let document = QueryResultsDocument(query: .text("x"), space: SpaceID(name: "t", dimension: 2, fingerprint: "f"),
                                            hits: [hit])
        let json = try JSONOutput.encode(document)
        #expect(json.contains(#""date":{"source":"taken","value":"2024-02-29T08:00:00-05:30"}"#))
        #expect(json.contains(#""camera":"Canon EOS 80D""#))
        #expect(json.contains(#""position":{"latitude":-22.9519,"longitude":-43.2105}"#))
        let back = try JSONDecoder().decode(QueryResultsDocument.self, from: Data(json.utf8)).results[0].hit
        #expect(back.date == date && back.camera == "Canon EOS 80D" && back.photo?.position == hit.photo?.position)
        // A file without a date taken says where its date came from.
        let modified = SearchHit(path: "/n.txt", score: 0.1, modality: .text,
                                 date: FileDate(localSeconds: 0, utcOffsetSeconds: 0, source: .modified))
        let text = try JSONOutput.encode(QueryResultsDocument(query: .text("x"), space: SpaceID(name: "t", dimension: 2, fingerprint: "f"),
                                                              hits: [modified]))
        #expect(text.contains(#""date":{"source":"modified","value":"1970-01-01T00:00:00+00:00"}"#))
        #expect(!text.contains("camera") && !text.contains("position"))
    }
}
