import Foundation
import MMTestSupport
import Testing
@testable import MMMedia

/// Tesseract through `TextRecognizer` on Tests/Fixtures/ocr (Scripts/fixtures/make_ocr_fixtures.py:
/// text rendered with Debian's fonts) and on Media/'s photos: what it reads, what the gate lets
/// through, and the time budget on hostile input.
@Suite(.serialized)
struct TextRecognizerTests {
    static let fixtures = TestPaths.fixture("ocr")
    static let recognizer = Result { try TextRecognizer() }

    static func read(_ name: String, gated: Bool = true, budget: TimeInterval = 20) throws -> ImageReading {
        try recognizer.get().read(contentsOf: fixtures.appendingPathComponent(name), gated: gated, budget: budget)
    }

    @Test func readsTheInvoiceCodeOnTheReceiptWithItsRegion() throws {
        let reading = try Self.read("receipt.png")
        #expect(reading.read)
        let block = try #require(reading.blocks.first { $0.text.contains("INV-7Q42-XK9") },
                                 "blocks: \(reading.blocks.map(\.text))")
        // The code is in the lower part of the 520 × 508 receipt, inside the picture.
        #expect(block.x >= 0 && block.y > 254 && block.x + block.width <= 520 && block.y + block.height <= 508)
        #expect(block.width > 100 && block.height > 10)
        #expect(block.confidence >= TextRecognizer.minimumConfidence)
    }

    @Test(arguments: [("street-sign.png", "SCHOOL ZONE"), ("screenshot.png", "Backup Settings")])
    func signsAndScreenshotsPassTheGateAndAreRead(example: (String, String)) throws {
        let reading = try Self.read(example.0)
        #expect(reading.read)
        #expect(reading.blocks.map(\.text).joined(separator: "\n").contains(example.1),
                "blocks: \(reading.blocks.map(\.text))")
    }

    /// The gate: layout analysis of a shrunk copy finds a text block in at most one photo of
    /// Media/ (bridge-at-night, whose row of city lights looks like a line), so nearly none is
    /// read at full size; and no photo gains text.
    @Test func photosWithoutTextAreNotReadAtFullSize() throws {
        let media = TestPaths.repository.appendingPathComponent("Media")
        let photos = try FileManager.default.contentsOfDirectory(atPath: media.path)
            .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        #expect(photos.count >= 30)
        let recognizer = try Self.recognizer.get()
        var read: [String] = []
        for photo in photos {
            let reading = try recognizer.read(contentsOf: media.appendingPathComponent(photo), gated: true, budget: 20)
            #expect(reading.blocks.isEmpty, "\(photo): \(reading.blocks.map(\.text))")
            if reading.read { read.append(photo) }
        }
        print("read at full size after the gate: \(read.count) of \(photos.count): \(read)")
        #expect(read.count <= 1, "\(read)")
    }

    /// Bad input: a 30 000 × 300 strip full of words stops at its budget (2 s; the bound allows
    /// as much again for decoding and the words read by then), and so does grey noise.
    @Test func aLongStripOfTextStaysWithinItsBudget() throws {
        let recognizer = try Self.recognizer.get()
        let image = try ImageDecoder.decode(contentsOf: Self.fixtures.appendingPathComponent("strip.png"))
        #expect(image.width == 30_000 && image.height == 300)
        let started = Date()
        let reading = try recognizer.read(image, gated: false, budget: 2)
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 4, "took \(seconds) s")
        #expect(reading.read)
        let gated = Date()
        _ = try recognizer.read(image, gated: true, budget: 2)
        #expect(Date().timeIntervalSince(gated) < 4)
    }

    @Test func noiseStaysWithinItsBudget() throws {
        let recognizer = try Self.recognizer.get()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let side = 2000
        let pixels = (0..<(side * side)).flatMap { _ -> [UInt8] in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let v = UInt8(truncatingIfNeeded: state >> 56)
            return [v, v, v]
        }
        let noise = RGBImage(width: side, height: side, pixels: pixels)
        for gated in [true, false] {
            let started = Date()
            let reading = try recognizer.read(noise, gated: gated, budget: 2)
            let seconds = Date().timeIntervalSince(started)
            #expect(seconds < 4, "gated \(gated): took \(seconds) s")
            #expect(reading.blocks.allSatisfy { $0.confidence >= TextRecognizer.minimumConfidence })
        }
    }

    @Test func tinyImagesAreNotRead() throws {
        let reading = try Self.recognizer.get().read(RGBImage(width: 2, height: 2, pixels: Array(repeating: 0, count: 12)),
                                                     gated: false, budget: 1)
        #expect(!reading.read && reading.blocks.isEmpty)
    }

    @Test func withoutTrainedDataTheErrorSaysWhatToInstall() {
        #expect {
            _ = try TextRecognizer(data: nil)
        } throws: { error in
            String(describing: error).contains("tesseract-ocr-eng") && String(describing: error).contains("TESSDATA_PREFIX")
        }
        let found = TesseractData.find(environment: [:])
        #expect(found?.fingerprint.hasPrefix("tesseract ") == true)
        #expect(TesseractData.find(language: "no-such-language", environment: [:]) == nil)
    }
}
