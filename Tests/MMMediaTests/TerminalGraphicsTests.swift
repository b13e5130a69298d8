import CSixel
import Foundation
import MMTestSupport
import Testing
@testable import MMMedia

/// Terminal pictures (`mmsearch query --preview`): each protocol's framing, the payload it
/// carries decoded back, the size in cells, and files that cannot be pictured refused with a
/// `MediaError` instead of a crash.
@Suite struct TerminalGraphicsTests {
    static let media = TestPaths.repository.appendingPathComponent("Media")
    static let horse = media.appendingPathComponent("horse.jpg")
    static let esc = "\u{1b}"

    // MARK: kitty

    @Test func kittyPictureIsChunkedRawRGBOfTheStatedSizeOverTheStatedCells() throws {
        let picture = try TerminalPicture(contentsOf: Self.horse, graphics: .kitty)
        #expect(picture.lines.count == 1)
        let text = try #require(picture.lines.first)
        #expect(text.hasPrefix(Self.esc + "_G"))

        // Every sequence is ESC _ G keys ; payload ESC \ .
        let sequences = text.components(separatedBy: Self.esc + "\\").dropLast()
        #expect(text.hasSuffix(Self.esc + "\\"))
        #expect(sequences.count > 1, "a \(picture.pixelWidth)x\(picture.pixelHeight) picture needs several chunks")
        var payload = ""
        var firstKeys: [String: String] = [:]
        for (i, sequence) in sequences.enumerated() {
            #expect(sequence.hasPrefix(Self.esc + "_G"))
            let body = sequence.dropFirst(3)
            let parts = body.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            #expect(parts.count == 2)
            let keys = Dictionary(uniqueKeysWithValues: parts[0].split(separator: ",").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]) : "")
            })
            if i == 0 { firstKeys = keys } else { #expect(keys.count == 1, "later chunks carry only m") }
            #expect(keys["m"] == (i == sequences.count - 1 ? "0" : "1"), "chunk \(i) of \(sequences.count)")
            #expect(parts[1].count <= TerminalPicture.kittyChunk)
            if i < sequences.count - 1 { #expect(parts[1].count == TerminalPicture.kittyChunk) }
            payload += parts[1]
        }
        #expect(firstKeys["a"] == "T" && firstKeys["f"] == "24" && firstKeys["q"] == "2")
        #expect(firstKeys["s"] == "\(picture.pixelWidth)" && firstKeys["v"] == "\(picture.pixelHeight)")
        #expect(firstKeys["c"] == "\(picture.columns)" && firstKeys["r"] == "\(picture.rows)")
        let rgb = try #require(Data(base64Encoded: payload))
        #expect(rgb.count == picture.pixelWidth * picture.pixelHeight * 3)
        // horse.jpg is landscape: the full 16 columns, 10x20-pixel cells.
        #expect(picture.columns == 16 && picture.pixelWidth == 160 && picture.pixelHeight == picture.rows * 20)
        // The pixels are the image's: same mean colour as the decoded file.
        let mean = Self.meanColour(RGBImage(width: picture.pixelWidth, height: picture.pixelHeight, pixels: [UInt8](rgb)))
        let fullMean = Self.meanColour(try ImageDecoder.decode(contentsOf: Self.horse))
        for channel in 0..<3 { #expect(abs(mean[channel] - fullMean[channel]) <= 4, "\(mean) vs \(fullMean)") }
    }

    @Test func smallKittyPictureIsOneChunkWithMZero() throws {
        let image = RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: 200, count: 48))
        let picture = try TerminalPicture(image, graphics: .kitty, box: .init(columns: 2, rows: 2, cellWidth: 4, cellHeight: 4))
        let text = try #require(picture.lines.first)
        #expect(text.hasPrefix(Self.esc + "_Ga=T,f=24,s=8,v=8,c=2,r=2,q=2,m=0;"))
        #expect(text.components(separatedBy: Self.esc + "_G").count == 2)
    }

    // MARK: iTerm2

    @Test func iterm2PictureIsAnInlineJPEGOfTheStatedSize() throws {
        let picture = try TerminalPicture(contentsOf: Self.horse, graphics: .iterm2)
        let text = try #require(picture.lines.first)
        #expect(picture.lines.count == 1)
        let prefix = Self.esc + "]1337;File="
        #expect(text.hasPrefix(prefix) && text.hasSuffix("\u{07}"))
        let header = try #require(text.dropFirst(prefix.count).split(separator: ":", maxSplits: 1).first)
        let arguments = Dictionary(uniqueKeysWithValues: header.split(separator: ";").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            return (String(kv[0]), String(kv[1]))
        })
        #expect(arguments["inline"] == "1" && arguments["height"] == "auto" && arguments["preserveAspectRatio"] == "1")
        #expect(arguments["width"] == "\(picture.columns)")
        let base64 = text.dropFirst(prefix.count + header.count + 1).dropLast()
        let jpeg = try #require(Data(base64Encoded: String(base64)))
        #expect(arguments["size"] == "\(jpeg.count)")
        #expect(jpeg.prefix(2) == Data([0xFF, 0xD8]), "a JPEG")
        let decoded = try ImageDecoder.decode(bytes: [UInt8](jpeg), name: "iTerm2 payload")
        #expect(decoded.width == picture.pixelWidth && decoded.height == picture.pixelHeight)
    }

    // MARK: sixel

    @Test func sixelPictureIsOneDCSSequenceThatDecodesToThePicture() throws {
        let picture = try TerminalPicture(contentsOf: Self.horse, graphics: .sixel)
        let text = try #require(picture.lines.first)
        #expect(picture.lines.count == 1)
        #expect(text.hasPrefix(Self.esc + "P") && text.hasSuffix(Self.esc + "\\"))
        let introducer = try #require(text.firstIndex(of: "q"))
        #expect(text[text.index(text.startIndex, offsetBy: 2)..<introducer].allSatisfy { $0.isNumber || $0 == ";" },
                "DCS parameters before q")
        #expect(text.contains("\"1;1;\(picture.pixelWidth);\(picture.pixelHeight)"), "raster attributes")
        #expect(text.contains("#0;2;"), "colour registers")
        #expect(!text.dropFirst().dropLast(2).contains(Self.esc), "one sequence, no other escapes")

        // libsixel reads it back at the picture's size, with the image's colours.
        var bytes = [UInt8](text.utf8)
        var pixels: UnsafeMutablePointer<UInt8>?, palette: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0, colours: Int32 = 0
        let status = sixel_decode_raw(&bytes, Int32(bytes.count), &pixels, &width, &height, &palette, &colours, nil)
        defer { free(pixels); free(palette) }
        #expect(mm_sixel_failed(status) == 0)
        #expect(Int(width) == picture.pixelWidth && Int(height) == picture.pixelHeight)
        #expect(colours > 16 && colours <= 256)
        let indices = try #require(pixels), table = try #require(palette)
        var rgb = [UInt8]()
        for i in 0..<Int(width * height) {
            let entry = Int(indices[i]) * 3
            rgb += [table[entry], table[entry + 1], table[entry + 2]]
        }
        let mean = Self.meanColour(RGBImage(width: Int(width), height: Int(height), pixels: rgb))
        let fullMean = Self.meanColour(try ImageDecoder.decode(contentsOf: Self.horse))
        for channel in 0..<3 { #expect(abs(mean[channel] - fullMean[channel]) <= 6, "\(mean) vs \(fullMean)") }
    }

    // MARK: symbols

    @Test func symbolsAreOneLineOfHalfBlocksPerRowEachEndingWithAReset() throws {
        for graphics in [TerminalGraphics.symbols, .symbols256] {
            let picture = try TerminalPicture(contentsOf: Self.horse, graphics: graphics)
            #expect(picture.lines.count == picture.rows)
            #expect(picture.pixelWidth == picture.columns && picture.pixelHeight == 2 * picture.rows)
            for line in picture.lines {
                #expect(line.filter { $0 == "▀" }.count == picture.columns)
                #expect(line.hasSuffix(Self.esc + "[0m"))
                #expect(!line.contains("\n"))
                #expect(line.contains(graphics == .symbols ? "[38;2;" : "[38;5;"))
            }
        }
    }

    @Test func symbolsShowTheTopPixelInFrontAndTheBottomOneBehind() throws {
        // 2x4 pixels: rows red, blue, green, green. 2 columns of 10x20 cells make 2 rows, so the
        // image is drawn as it is, two pixel rows per line.
        let rows: [[UInt8]] = [[255, 0, 0], [0, 0, 255], [0, 255, 0], [0, 255, 0]]
        let image = RGBImage(width: 2, height: 4, pixels: rows.flatMap { $0 + $0 })
        let picture = try TerminalPicture(image, graphics: .symbols, box: .init(columns: 2))
        #expect(picture.lines == [
            Self.esc + "[38;2;255;0;0m" + Self.esc + "[48;2;0;0;255m▀▀" + Self.esc + "[0m",
            Self.esc + "[38;2;0;255;0m" + Self.esc + "[48;2;0;255;0m▀▀" + Self.esc + "[0m",
        ])
        let palette = try TerminalPicture(image, graphics: .symbols256, box: .init(columns: 2))
        #expect(palette.lines.first == Self.esc + "[38;5;196m" + Self.esc + "[48;5;21m▀▀" + Self.esc + "[0m")
    }

    @Test func palette256PicksTheNearestCubeColourOrGrey() {
        #expect(TerminalPicture.palette256(0, 0, 0) == 16)
        #expect(TerminalPicture.palette256(255, 255, 255) == 231)
        #expect(TerminalPicture.palette256(255, 0, 0) == 196)
        #expect(TerminalPicture.palette256(128, 128, 128) == 244)
        #expect(TerminalPicture.palette256(95, 135, 175) == 16 + 36 * 1 + 6 * 2 + 3)
    }

    // MARK: Size

    @Test func pictureIsSixteenColumnsWideOrAtMostTwelveRowsHigh() {
        func cells(_ box: TerminalPicture.Box, _ width: Int, _ height: Int) -> [Int] {
            let cells = box.cells(width: width, height: height)
            return [cells.columns, cells.rows]
        }
        let box = TerminalPicture.Box()
        #expect(cells(box, 1600, 1200) == [16, 6])   // 4:3: 160 x 120 pixels, 6 rows of 20
        #expect(cells(box, 1000, 1000) == [16, 8])
        #expect(cells(box, 600, 1200) == [12, 12])   // 16 columns would take 16 rows
        #expect(cells(box, 10000, 10) == [16, 1])
        #expect(cells(box, 10, 10000) == [1, 12])
        let narrow = TerminalPicture.Box(columns: 8, rows: 4, cellWidth: 8, cellHeight: 16)
        #expect(cells(narrow, 1600, 1200) == [8, 3])
    }

    @Test func pictureIsUpright() throws {
        // Stored 600x530 with EXIF orientation 6 (rotate 90°): upright it is 530x600.
        let url = Fixtures.root.appendingPathComponent("jpeg/pipeline_600x530_orientation_6.jpg")
        let picture = try TerminalPicture(contentsOf: url, graphics: .symbols)
        #expect(picture.columns == 16 && picture.rows == 9, "\(picture.columns)x\(picture.rows)")
    }

    @Test func everyMediaImageMakesAPictureInEveryProtocol() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.media.path)
            .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        #expect(names.count > 10)
        for name in names.prefix(6) {
            for graphics in TerminalGraphics.allCases {
                let picture = try TerminalPicture(contentsOf: Self.media.appendingPathComponent(name), graphics: graphics)
                #expect(picture.columns >= 1 && picture.columns <= 16 && picture.rows >= 1 && picture.rows <= 12, "\(name)")
                #expect(!picture.lines.isEmpty)
            }
        }
    }

    // MARK: Refusals

    @Test func aFileThatIsNoImageIsRefusedWithAMediaError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("terminal-graphics-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("notes.jpg")
        try Data("not a picture\n".utf8).write(to: text)
        let truncated = folder.appendingPathComponent("truncated.jpg")
        try Data(try Data(contentsOf: Self.horse).prefix(600)).write(to: truncated)
        for graphics in TerminalGraphics.allCases {
            #expect(throws: MediaError.self) { try TerminalPicture(contentsOf: text, graphics: graphics) }
            #expect(throws: MediaError.self) { try TerminalPicture(contentsOf: truncated, graphics: graphics) }
            #expect(throws: MediaError.self) {
                try TerminalPicture(contentsOf: folder.appendingPathComponent("missing.png"), graphics: graphics)
            }
        }
    }

    @Test func aBoxOutsideTheAcceptedSizesIsRefused() {
        for box in [TerminalPicture.Box(columns: 0), .init(rows: 0), .init(cellWidth: 0), .init(columns: 1000, cellWidth: 256)] {
            #expect(throws: MediaError.self) { try TerminalPicture(contentsOf: Self.horse, graphics: .kitty, box: box) }
        }
        #expect(throws: MediaError.self) {
            try TerminalPicture(RGBImage(width: 0, height: 0, pixels: []), graphics: .symbols)
        }
    }

    static func meanColour(_ image: RGBImage) -> [Int] {
        var sums = [0, 0, 0]
        for (i, value) in image.pixels.enumerated() { sums[i % 3] += Int(value) }
        let count = max(1, image.width * image.height)
        return sums.map { $0 / count }
    }
}
