import Foundation
import Testing
@testable import MMMedia

/// Every bad input gives a `MediaError` naming the file and the reason; none crashes.
@Suite struct BadInputTests {
    /// The messages users see, pinned.
    static let expectedReasons: [String: String] = [
        "empty_jpg": "empty file (0 bytes)",
        "truncated_jpg": "truncated JPEG (premature end of data)",
        "truncated_progressive_jpg": "truncated JPEG (premature end of data)",
        "truncated_header_jpg": "truncated JPEG (premature end of data)",
        "corrupt_data_jpg": "corrupt JPEG: premature end of data segment",
        "huge_header_jpg": "image is 65000x65000 (4225 MP), above the limit of 128 MP",
        "corrupt_ihdr_crc_png": "corrupt PNG: IHDR: CRC error",
        "corrupt_idat_crc_png": "corrupt PNG: IDAT: CRC error",
        // zlib meets the damage before libpng reaches the chunk's CRC; its words vary.
        "corrupt_idat_data_png": "corrupt PNG: IDAT: …",
        "truncated_png": "truncated PNG (premature end of data)",
        "text_named_png": "not a PNG or JPEG image (starts with 54 68 69 73 20 69 73 20 (\"This is \"))",
        "huge_header_png": "image is 30000x30000 (900 MP), above the limit of 128 MP",
    ]

    static let kinds: [String: MediaError.Kind] = [
        "empty": .emptyFile, "truncated": .truncated, "corrupt": .corrupt,
        "not_image": .notAnImage, "too_large": .tooManyPixels,
    ]

    @Test("bad file is reported with its path and reason", arguments: Fixtures.badCases)
    func badFileIsReportedWithPathAndReason(_ fixture: Fixtures.BadCase) throws {
        // A path relative to a base, as a user's `mmsearch index photos` gives them.
        let url = URL(fileURLWithPath: fixture.file, relativeTo: Fixtures.root)
        let error = try #require(throws: MediaError.self) {
            try ImageDecoder.decode(contentsOf: url)
        }
        #expect(error.kind == Self.kinds[fixture.kind], "\(error)")
        #expect(error.path == fixture.file)
        let reason = try #require(Self.expectedReasons[fixture.name], "no expected reason for \(fixture.name)")
        if reason.hasSuffix("…") {
            #expect(error.description.hasPrefix("\(fixture.file): \(reason.dropLast())"), "\(error)")
        } else {
            #expect(error.description == "\(fixture.file): \(reason)")
        }
    }

    @Test func everyPrefixOfAValidFileFailsCleanlyOrDecodes() throws {
        // Cut a progressive JPEG and an interlaced PNG at every length: errors, never crashes.
        for file in ["jpeg/progressive_420.jpg", "png/rgba_16_interlaced.png"] {
            let bytes = try Fixtures.bytes(file)
            for length in 0..<bytes.count {
                do {
                    _ = try ImageDecoder.decode(bytes: Array(bytes[..<length]), name: file)
                } catch let error as MediaError {
                    #expect(error.path == file)
                    #expect(!error.reason.isEmpty)
                }
            }
        }
    }

    @Test func flippedBytesNeverCrashTheDecoders() throws {
        // Damage one byte at a time at many positions (deterministic), in both formats.
        for file in ["jpeg/baseline_420.jpg", "jpeg/cmyk.jpg", "png/palette_4_interlaced.png", "png/grey_16.png"] {
            let original = try Fixtures.bytes(file)
            for position in stride(from: 0, to: original.count, by: max(1, original.count / 300)) {
                var bytes = original
                bytes[position] ^= 0xA5
                do {
                    let image = try ImageDecoder.decode(bytes: bytes, name: file)
                    #expect(image.pixels.count == image.width * image.height * 3)
                } catch let error as MediaError {
                    #expect(error.path == file)
                }
            }
        }
    }

    @Test func pixelLimitRefusesBeforeDecoding() throws {
        let limits = ImageLimits(maxPixels: 1_000)
        let error = try #require(throws: MediaError.self) {
            try ImageDecoder.decode(contentsOf: Fixtures.url("jpeg/baseline_420.jpg"), limits: limits)
        }
        #expect(error.kind == .tooManyPixels)
        #expect(error.reason == "image is 71x53 (3763 pixels), above the limit of 1000 pixels")
        // The limit applies to the stored size, even when a draft would decode it smaller.
        #expect(throws: MediaError.self) {
            try ImageDecoder.decode(contentsOf: Fixtures.url("jpeg/big_420.jpg"), limits: ImageLimits(maxPixels: 30_000),
                                    draft: (width: 25, height: 18))
        }
    }

    @Test(arguments: [("hostile/strip-1x30000.png", "1 x 30000 pixels would become 256 x 7680000 (1966 MP)"),
                      ("hostile/strip-8x16000.jpg", "8 x 16000 pixels would become 256 x 512000 (131 MP)")])
    func anExtremeAspectRatioIsRefusedBeforeAResizeCouldInflateIt(file: String, start: String) throws {
        // Scripts/fixtures/make_hostile_images.py. Tiny files, far below the 128 MP limit, that
        // a resize to 256 px on the short side would make into gigabytes.
        let url = Fixtures.url(file)
        let error = try #require(throws: MediaError.self) {
            try ImageDecoder.decode(contentsOf: url, draft: (width: 256, height: 256))
        }
        #expect(error.kind == .tooManyPixels && error.path == url.path)
        #expect(error.reason.hasPrefix(start) && error.reason.contains("above the limit of 16 MP"), "\(error.reason)")
        // Decoded as it is, without a resize to come, it is a small image.
        let image = try ImageDecoder.decode(contentsOf: url)
        #expect(image.width * image.height <= 128_000)
        // Photos of common shapes pass: a 6:1 panorama at 256 px is far below the limit.
        #expect(throws: Never.self) {
            try ImageLimits().checkResize(width: 12_000, height: 2_000, toShorterSide: 256, name: "pano.jpg")
        }
    }

    @Test func fileSizeLimitRefusesBigFiles() throws {
        let error = try #require(throws: MediaError.self) {
            try ImageDecoder.decode(contentsOf: Fixtures.url("jpeg/big_444.jpg"), limits: ImageLimits(maxFileBytes: 2_000))
        }
        #expect(error.kind == .fileTooLarge)
        #expect(error.reason.hasPrefix("file is 12 KB, above the limit of 2 KB"), "\(error)")
        #expect(throws: MediaError.self) {
            try ImageDecoder.decode(bytes: [UInt8](repeating: 0xFF, count: 10), limits: ImageLimits(maxFileBytes: 9))
        }
    }

    @Test func missingFileAndDirectoryAreUnreadable() throws {
        let missing = try #require(throws: MediaError.self) {
            try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: "no/such/file.jpg"))
        }
        #expect(missing.description == "no/such/file.jpg: cannot open (No such file or directory)")
        let directory = try #require(throws: MediaError.self) {
            try ImageDecoder.decode(contentsOf: Fixtures.root)
        }
        #expect(directory.kind == .unreadable)
        #expect(directory.reason == "is a directory, not a file")
    }

    @Test func binaryGarbageIsNotAnImage() throws {
        let error = try #require(throws: MediaError.self) {
            try ImageDecoder.decode(bytes: [0x00, 0x01, 0xFF, 0xD8], name: "x.jpg")
        }
        #expect(error.description == "x.jpg: not a PNG or JPEG image (starts with 00 01 FF D8)")
    }
}
