import Foundation
import MMTestSupport
import Testing
@testable import MMMedia

/// Thumbnails: size and aspect, DCT-scaled JPEG decoding, orientation, colour kept by the
/// resize, and every bad input refused as the decoder refuses it.
@Suite struct ThumbnailTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")

    /// Every JPEG of Media/, and a PNG.
    static var mediaFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: media.path)) ?? []
        return names.filter { $0.hasSuffix(".jpg") }.sorted() + ["cat-chelsea.png"]
    }

    @Test func mediaFolderHasTheImagesTheseTestsRead() {
        #expect(Self.mediaFiles.count > 10)
    }

    @Test("thumbnail is a baseline JPEG of the right size, aspect and colour", arguments: mediaFiles)
    func thumbnailHasTheRightSizeAspectAndColour(_ file: String) throws {
        let url = Self.media.appendingPathComponent(file)
        let full = try ImageDecoder.decode(contentsOf: url)
        let jpeg = try Thumbnail.jpeg(contentsOf: url, size: 256)
        #expect(Self.frameMarker(jpeg) == 0xC0, "not a baseline JPEG")
        let thumbnail = try ImageDecoder.decode(bytes: jpeg, name: "thumbnail of \(file)")

        let long = max(full.width, full.height)
        let expectedLong = min(256, long)
        let (thumbLong, thumbShort) = full.width >= full.height
            ? (thumbnail.width, thumbnail.height) : (thumbnail.height, thumbnail.width)
        #expect(thumbLong == expectedLong, "\(thumbnail.width)x\(thumbnail.height) from \(full.width)x\(full.height)")
        let expectedShort = Double(min(full.width, full.height)) * Double(expectedLong) / Double(long)
        #expect(abs(Double(thumbShort) - expectedShort) <= 1, "\(thumbnail.width)x\(thumbnail.height) from \(full.width)x\(full.height)")

        // A broken resize (wrong weights, rows or channels mixed up) moves the mean colour.
        let thumbnailMean = Self.meanColour(thumbnail), fullMean = Self.meanColour(full)
        for channel in 0..<3 {
            #expect(abs(thumbnailMean[channel] - fullMean[channel]) <= 3, "channel \(channel): \(thumbnailMean) vs \(fullMean)")
        }
        #expect(try Thumbnail.jpeg(bytes: Data(contentsOf: url).map { $0 }, name: file, size: 256) == jpeg)
    }

    @Test func largeJPEGIsDecodedWithDCTScaling() throws {
        // mountains.jpg is 1600x1200: 1600 / 64 = 25 gives 1/8, 1600 / 256 = 6 gives 1/4,
        // 1600 / 800 = 2 gives 1/2; 1600 / 1024 = 1 decodes in full.
        let bytes = try [UInt8](Data(contentsOf: Self.media.appendingPathComponent("mountains.jpg")))
        for (size, scale) in [(64, 8), (256, 4), (800, 2), (1024, 1), (4096, 1)] {
            let rendered = try Thumbnail.render(bytes, name: "mountains.jpg", size: size, limits: .init())
            #expect(rendered.dctScale == scale, "size \(size)")
            #expect(max(rendered.image.width, rendered.image.height) == min(size, 1600), "size \(size)")
        }
        // The scale follows the long side, also when it is the height.
        let portrait = try Fixtures.bytes("jpeg/pipeline_600x530_orientation_6.jpg")
        #expect(try Thumbnail.render(portrait, name: "portrait", size: 64, limits: .init()).dctScale == 8)
        let png = try [UInt8](Data(contentsOf: Self.media.appendingPathComponent("motorcycle.png")))
        #expect(try Thumbnail.render(png, name: "motorcycle.png", size: 64, limits: .init()).dctScale == 1)
    }

    @Test("thumbnail is turned upright like the decoder's output", arguments: [
        "jpeg/orientation_1.jpg", "jpeg/orientation_2.jpg", "jpeg/orientation_3.jpg", "jpeg/orientation_3_xmp.jpg",
        "jpeg/orientation_4.jpg", "jpeg/orientation_5.jpg", "jpeg/orientation_6.jpg", "jpeg/orientation_7.jpg",
        "jpeg/orientation_8.jpg", "jpeg/big_orientation_6.jpg", "jpeg/pipeline_600x530_orientation_6.jpg",
        "png/orientation_6_exif.png", "png/orientation_8_xmp.png",
    ])
    func thumbnailIsTurnedUprightLikeTheDecodersOutput(_ file: String) throws {
        let upright = try ImageDecoder.decode(contentsOf: Fixtures.url(file))
        let thumbnail = try ImageDecoder.decode(bytes: Thumbnail.jpeg(contentsOf: Fixtures.url(file), size: 32))
        #expect((thumbnail.width > thumbnail.height) == (upright.width > upright.height))
        // Of the eight ways to turn the decoder's upright image, leaving it as it is matches the
        // thumbnail by far the best (JPEG's loss on these noisy fixtures is 8 to 28 levels, a
        // wrong turn 68 or more).
        var distances: [ImageOrientation: Double] = [:]
        for turn in ImageOrientation.allCases {
            let candidate = upright.oriented(turn)
            guard (candidate.width > candidate.height) == (thumbnail.width > thumbnail.height) else { continue }
            let reference = candidate.resized(width: thumbnail.width, height: thumbnail.height, filter: .bicubic)
            distances[turn] = Self.meanAbsoluteDifference(thumbnail, reference)
        }
        let unturned = try #require(distances[.up])
        #expect(distances.count == 4)
        for (turn, distance) in distances where turn != .up {
            #expect(distance > 2 * unturned, "\(turn): mean |difference| \(distance), \(unturned) unturned")
        }
    }

    @Test func smallImagesKeepTheirSize() throws {
        for file in ["jpeg/size_17x9.jpg", "jpeg/size_1x1.jpg", "png/rgb_8.png"] {
            let original = try ImageDecoder.decode(contentsOf: Fixtures.url(file))
            try #require(max(original.width, original.height) < 256)
            let thumbnail = try ImageDecoder.decode(bytes: Thumbnail.jpeg(contentsOf: Fixtures.url(file), size: 256))
            #expect(thumbnail.width == original.width && thumbnail.height == original.height, "\(file)")
        }
    }

    @Test func extremeStripsShrinkToOnePixelWide() throws {
        for file in ["hostile/strip-8x16000.jpg", "hostile/strip-1x30000.png"] {
            let thumbnail = try ImageDecoder.decode(bytes: Thumbnail.jpeg(contentsOf: Fixtures.url(file), size: 256))
            #expect(thumbnail.width == 1 && thumbnail.height == 256, "\(file): \(thumbnail.width)x\(thumbnail.height)")
        }
    }

    @Test("bad file is refused with the decoder's error", arguments: Fixtures.badCases)
    func badFileIsRefusedWithTheDecodersError(_ fixture: Fixtures.BadCase) throws {
        let url = URL(fileURLWithPath: fixture.file, relativeTo: Fixtures.root)
        let expected = try #require(throws: MediaError.self) { try ImageDecoder.decode(contentsOf: url) }
        let error = try #require(throws: MediaError.self) { try Thumbnail.jpeg(contentsOf: url, size: 64) }
        #expect(error == expected)
    }

    @Test func truncatedAndDamagedBytesThrowNeverCrash() throws {
        // Every prefix of a progressive JPEG and an interlaced PNG, and garbage after a JPEG or PNG
        // signature: a MediaError naming the input, or a thumbnail.
        var inputs: [[UInt8]] = []
        for file in ["jpeg/progressive_420.jpg", "png/rgba_16_interlaced.png"] {
            let bytes = try Fixtures.bytes(file)
            inputs += (0..<bytes.count).map { Array(bytes[..<$0]) }
        }
        for signature in [ImageFormat.jpegSignature, ImageFormat.pngSignature, []] {
            for length in [0, 1, 10, 1000] {
                inputs.append(signature + (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
            }
        }
        var refused = 0
        for input in inputs {
            do {
                let jpeg = try Thumbnail.jpeg(bytes: input, name: "upload", size: 32)
                #expect(Self.frameMarker(jpeg) == 0xC0)
            } catch let error as MediaError {
                #expect(error.path == "upload")
                #expect(!error.reason.isEmpty)
                refused += 1
            }
        }
        #expect(refused > inputs.count / 2)
        let error = try #require(throws: MediaError.self) {
            try Thumbnail.jpeg(bytes: Array("not an image".utf8), name: "upload", size: 64)
        }
        #expect(error.kind == .notAnImage)
    }

    @Test func sizeAndQualityOutsideTheirRangesAreRefused() throws {
        let url = Self.media.appendingPathComponent("airplane.jpg")
        for size in [Int.min, -1, 0, 15, 4097, Int.max] {
            let error = try #require(throws: MediaError.self) { try Thumbnail.jpeg(contentsOf: url, size: size) }
            #expect(error.kind == .unsupported)
            #expect(error.reason == "thumbnail size \(size) is outside 16...4096 pixels")
        }
        for quality in [0, 101] {
            let error = try #require(throws: MediaError.self) { try Thumbnail.jpeg(contentsOf: url, size: 64, quality: quality) }
            #expect(error.reason == "JPEG quality \(quality) is outside 1...100")
        }
        // Checked before the file is read.
        let missing = try #require(throws: MediaError.self) {
            try Thumbnail.jpeg(contentsOf: URL(fileURLWithPath: "/nonexistent.jpg"), size: 8)
        }
        #expect(missing.kind == .unsupported)
        for size in [16, 4096] {
            #expect(try !Thumbnail.jpeg(contentsOf: url, size: size).isEmpty)
        }
    }

    @Test func imageLimitsAreHonoured() throws {
        let url = Self.media.appendingPathComponent("mountains.jpg") // 1600x1200, 637 KB
        let png = Self.media.appendingPathComponent("cat-chelsea.png") // 451x300
        // Pixels declared by the header, before decoding; the file's bytes.
        for file in [url, png] {
            let tooMany = try #require(throws: MediaError.self) {
                try Thumbnail.jpeg(contentsOf: file, size: 64, limits: ImageLimits(maxPixels: 100_000))
            }
            #expect(tooMany.kind == .tooManyPixels, "\(tooMany)")
            let tooLarge = try #require(throws: MediaError.self) {
                try Thumbnail.jpeg(contentsOf: file, size: 64, limits: ImageLimits(maxFileBytes: 1000))
            }
            #expect(tooLarge.kind == .fileTooLarge, "\(tooLarge)")
            let bytes = try [UInt8](Data(contentsOf: file))
            let tooLargeInMemory = try #require(throws: MediaError.self) {
                try Thumbnail.jpeg(bytes: bytes, name: "upload", size: 64, limits: ImageLimits(maxFileBytes: 1000))
            }
            #expect(tooLargeInMemory.kind == .fileTooLarge, "\(tooLargeInMemory)")
        }
        // The thumbnail itself is bounded by maxResizedPixels: 256x192 is 49 152 pixels.
        let limits = ImageLimits(maxResizedPixels: 40_000)
        let error = try #require(throws: MediaError.self) { try Thumbnail.jpeg(contentsOf: url, size: 256, limits: limits) }
        #expect(error.kind == .tooManyPixels)
        #expect(error.reason == "a 256-pixel thumbnail would be 49152 pixels, above the limit of 40000 pixels")
        #expect(try !Thumbnail.jpeg(contentsOf: url, size: 128, limits: limits).isEmpty)
        // Huge declared dimensions are refused from the header.
        let huge = try #require(throws: MediaError.self) {
            try Thumbnail.jpeg(contentsOf: Fixtures.url("bad/huge_header.jpg"), size: 256)
        }
        #expect(huge.kind == .tooManyPixels)
    }

    // MARK: - Helpers

    /// The marker of the first frame header (SOF0 0xC0 for baseline), walking the segments.
    static func frameMarker(_ jpeg: [UInt8]) -> UInt8? {
        var i = 2
        while i + 4 <= jpeg.count, jpeg[i] == 0xFF {
            let marker = jpeg[i + 1]
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return marker
            }
            i += 2 + Int(jpeg[i + 2]) << 8 + Int(jpeg[i + 3])
        }
        return nil
    }

    static func meanColour(_ image: RGBImage) -> [Double] {
        var sums = [0, 0, 0]
        image.pixels.withUnsafeBufferPointer { pixels in
            for i in stride(from: 0, to: pixels.count, by: 3) {
                sums[0] += Int(pixels[i])
                sums[1] += Int(pixels[i + 1])
                sums[2] += Int(pixels[i + 2])
            }
        }
        return sums.map { Double($0) / Double(image.width * image.height) }
    }

    static func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height)
        let total = zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        return Double(total) / Double(a.pixels.count)
    }
}
