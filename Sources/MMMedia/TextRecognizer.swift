import CTesseract
import Foundation

/// A block of text found in an image: its words (lines joined by newlines) and the box around
/// them, in pixels of the upright image.
public struct RecognizedText: Sendable, Equatable {
    public let text: String
    public let x: Int
    public let y: Int
    public let width: Int
    public let height: Int
    /// Tesseract's mean confidence of the block's kept words, 0…100.
    public let confidence: Float

    public init(text: String, x: Int, y: Int, width: Int, height: Int, confidence: Float) {
        self.text = text
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.confidence = confidence
    }
}

/// What reading one image gave.
public struct ImageReading: Sendable, Equatable {
    /// The blocks of text, top to bottom as Tesseract orders them; empty for a photo without text.
    public var blocks: [RecognizedText]
    /// False when the gate found no text and the image was not read at full size.
    public var read: Bool
    /// True when recognition stopped at the time budget (the blocks found by then are kept).
    public var stoppedAtBudget: Bool
}

/// Where Tesseract's trained data lies, and what identifies it.
public struct TesseractData: Sendable, Equatable {
    /// The `tessdata` folder.
    public let folder: String
    /// The language (`eng`).
    public let language: String
    /// `tesseract <version>; eng.traineddata <size> bytes`: part of the fingerprint of the
    /// vectors made from recognised text, so another model reads images again.
    public let fingerprint: String

    /// `$TESSDATA_PREFIX` (a `tessdata` folder, or the folder above one), else Debian's
    /// `/usr/share/tesseract-ocr/<version>/tessdata`, `/usr/local/share/tessdata`,
    /// `/opt/homebrew/share/tessdata`: the first that holds `<language>.traineddata`. nil when
    /// none does.
    public static func find(language: String = "eng",
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> TesseractData? {
        var candidates: [String] = []
        if let prefix = environment["TESSDATA_PREFIX"], !prefix.isEmpty {
            candidates += [prefix, (prefix as NSString).appendingPathComponent("tessdata")]
        }
        let debian = "/usr/share/tesseract-ocr"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: debian)) ?? []).sorted().reversed()
        candidates += versions.map { "\(debian)/\($0)/tessdata" }
        candidates += ["/usr/local/share/tessdata", "/opt/homebrew/share/tessdata", "/usr/share/tessdata"]
        for folder in candidates {
            let model = (folder as NSString).appendingPathComponent("\(language).traineddata")
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: model),
                  let size = attributes[.size] as? Int else { continue }
            let version = String(cString: TessVersion())
            return TesseractData(folder: folder, language: language,
                                 fingerprint: "tesseract \(version); \(language).traineddata \(size) bytes")
        }
        return nil
    }
}

/// Why Tesseract could not start.
public struct TextRecognizerError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Reads the text inside images with Tesseract (its C API), cheaply for photos without text.
///
/// **Gate.** An image is first shrunk (box filter, grey) to at most `gatePixels` pixels and
/// given to Tesseract's layout analysis alone (`TessBaseAPIAnalyseLayout`, no recognition). Only
/// when that finds a text block is the image recognised at full size. Measured on `Media/` (34
/// photos) and `Tests/Fixtures/ocr` (receipt, sign, screenshot), one thread, the shrunk size
/// being the gate's: at 640 × 640 the layout analysis of the 34 photos takes 0.37 s in all and
/// finds a text block in one (bridge-at-night: a row of city lights); at 512 × 512, 0.21 s and
/// none; at 480, none; at 320, one (mountains). The three pictures with text give 2–4 text blocks
/// at every size down to 320. (That probe used leptonica's grey and area scaling; this code's
/// own grey and box filter pass bridge-at-night at 512 too: 1 photo of 34.) Full recognition, which the gate spares, takes up to 0.86 s a photo
/// (boats-on-lake, 1600 × 1000) and finds no word in any of them.
///
/// **Budget.** Recognition runs under a deadline (an `ETEXT_DESC` monitor): it stops after
/// `budget` seconds, keeping the words read by then. The deadline does not cover Tesseract's page
/// layout, whose cost grows with the image (a 30 000 x 300 strip of words: over 4 s before the
/// first word), so a large image is read in tiles of at most `tileSide` pixels a side, the
/// budget checked between them. The gate works on a bounded image, so it stays well under it.
///
/// One Tesseract handle per thread at a time: a pool of handles, each opened once (≈ 0.1 s).
/// Safe to call from several threads.
public final class TextRecognizer: @unchecked Sendable {
    public let data: TesseractData
    /// Most pixels of the image the gate looks at.
    public static let gatePixels = 512 * 512
    /// Words below this confidence (0…100) are dropped: on photos Tesseract reads texture as
    /// short words of low confidence.
    public static let minimumConfidence: Float = 60
    /// The largest tile read at once: a 12 MP photo is one tile; a 30 000 x 300 strip is eight.
    static let tileSide = 4096

    private let lock = NSLock()
    /// Handles not in use; guarded by `lock`.
    private var idle: [OpaquePointer] = []

    /// - Throws: `TextRecognizerError` when no trained data is found or Tesseract cannot open it.
    public init(data: TesseractData? = TesseractData.find()) throws {
        guard let data else {
            throw TextRecognizerError(description: "no Tesseract trained data found (eng.traineddata; "
                                      + "Debian: tesseract-ocr-eng, or set TESSDATA_PREFIX)")
        }
        self.data = data
        setMsgSeverity(MM_LEPTONICA_SEVERITY_NONE)
        // Opened once here, so a broken model is told before any image is read.
        checkIn(try open())
    }

    deinit {
        for handle in idle {
            TessBaseAPIEnd(handle)
            TessBaseAPIDelete(handle)
        }
    }

    /// Reads the image file at `url` (decoded upright, like every image).
    ///
    /// - Parameters:
    ///   - gated: look for text with the cheap gate first (`auto`); false reads every image.
    ///   - budget: seconds recognition may take.
    /// - Throws: `MediaError` naming the file for an image that cannot be decoded.
    public func read(contentsOf url: URL, gated: Bool, budget: TimeInterval,
                     limits: ImageLimits = ImageLimits()) throws -> ImageReading {
        try read(ImageDecoder.decode(contentsOf: url, limits: limits), gated: gated, budget: budget)
    }

    /// Reads `image`; see `read(contentsOf:gated:budget:limits:)`.
    public func read(_ image: RGBImage, gated: Bool, budget: TimeInterval) throws -> ImageReading {
        guard image.width >= 3, image.height >= 3 else { return ImageReading(blocks: [], read: false, stoppedAtBudget: false) }
        let grey = Self.grey(image)
        let handle = try checkOut()
        defer { checkIn(handle) }
        if gated {
            let (small, width, height) = Self.shrunk(grey, width: image.width, height: image.height,
                                                     toPixels: Self.gatePixels)
            let hasText = small.withUnsafeBufferPointer { pixels in
                setImage(handle, pixels.baseAddress!, width: width, height: height)
                return Self.hasTextBlock(handle)
            }
            guard hasText else { return ImageReading(blocks: [], read: false, stoppedAtBudget: false) }
        }
        // Read in tiles of at most `tileSide` pixels a side (one tile for most photos): the
        // deadline covers recognition but not Tesseract's page layout, whose cost grows with the
        // image, so the budget is checked between tiles and each tile gets what is left.
        let started = Date()
        var blocks: [RecognizedText] = []
        var stopped = false
        grey.withUnsafeBufferPointer { pixels in
            tiles: for top in stride(from: 0, to: image.height, by: Self.tileSide) {
                for left in stride(from: 0, to: image.width, by: Self.tileSide) {
                    let remaining = budget - Date().timeIntervalSince(started)
                    guard remaining > 0 else {
                        stopped = true
                        break tiles
                    }
                    let width = min(Self.tileSide, image.width - left), height = min(Self.tileSide, image.height - top)
                    guard width >= 3, height >= 3 else { continue }
                    TessBaseAPISetPageSegMode(handle, PSM_AUTO)
                    TessBaseAPISetImage(handle, pixels.baseAddress! + top * image.width + left, Int32(width),
                                        Int32(height), 1, Int32(image.width))
                    TessBaseAPISetSourceResolution(handle, 96)
                    let monitor = TessMonitorCreate()
                    TessMonitorSetDeadlineMSecs(monitor, Int32(max(1, min(remaining * 1000, Double(Int32.max)))))
                    if TessBaseAPIRecognize(handle, monitor) == 0 {
                        blocks += Self.blocks(handle).map { block in
                            RecognizedText(text: block.text, x: block.x + left, y: block.y + top,
                                           width: block.width, height: block.height, confidence: block.confidence)
                        }
                    }
                    TessMonitorDelete(monitor)
                }
            }
        }
        if Date().timeIntervalSince(started) >= budget { stopped = true }
        TessBaseAPIClear(handle)
        return ImageReading(blocks: blocks, read: true, stoppedAtBudget: stopped)
    }

    private func setImage(_ handle: OpaquePointer, _ pixels: UnsafePointer<UInt8>, width: Int, height: Int) {
        TessBaseAPISetPageSegMode(handle, PSM_AUTO)
        TessBaseAPISetImage(handle, pixels, Int32(width), Int32(height), 1, Int32(width))
        // Screens and scans at about 96 dpi; without a resolution Tesseract guesses and warns.
        TessBaseAPISetSourceResolution(handle, 96)
    }

    /// Whether layout analysis of the image set on `handle` finds a block of text.
    private static func hasTextBlock(_ handle: OpaquePointer) -> Bool {
        guard let iterator = TessBaseAPIAnalyseLayout(handle) else { return false }
        defer { TessPageIteratorDelete(iterator) }
        repeat {
            switch TessPageIteratorBlockType(iterator) {
            case PT_FLOWING_TEXT, PT_HEADING_TEXT, PT_PULLOUT_TEXT, PT_CAPTION_TEXT, PT_VERTICAL_TEXT,
                 PT_TABLE:
                return true
            default:
                continue
            }
        } while TessPageIteratorNext(iterator, RIL_BLOCK) != 0
        return false
    }

    /// The recognised blocks: words of at least `minimumConfidence` with a letter or digit, a
    /// block kept when it has a word of two or more letters or digits.
    private static func blocks(_ handle: OpaquePointer) -> [RecognizedText] {
        guard let results = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(results) }
        let page = TessResultIteratorGetPageIterator(results)
        var blocks: [RecognizedText] = []
        var lines: [[String]] = []
        var box: (left: Int32, top: Int32, right: Int32, bottom: Int32)?
        var confidences: [Float] = []
        func finish() {
            let text = lines.map { $0.joined(separator: " ") }.filter { !$0.isEmpty }.joined(separator: "\n")
            let meaningful = lines.joined().contains { $0.unicodeScalars.filter(CharacterSet.alphanumerics.contains).count >= 2 }
            if let box, meaningful, !text.isEmpty {
                blocks.append(RecognizedText(text: text, x: Int(box.left), y: Int(box.top),
                                             width: Int(box.right - box.left), height: Int(box.bottom - box.top),
                                             confidence: confidences.reduce(0, +) / Float(confidences.count)))
            }
            lines = []
            box = nil
            confidences = []
        }
        repeat {
            if TessPageIteratorIsAtBeginningOf(page, RIL_BLOCK) != 0 { finish() }
            if TessPageIteratorIsAtBeginningOf(page, RIL_TEXTLINE) != 0 || lines.isEmpty { lines.append([]) }
            guard let raw = TessResultIteratorGetUTF8Text(results, RIL_WORD) else { continue }
            let word = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
            TessDeleteText(raw)
            let confidence = TessResultIteratorConfidence(results, RIL_WORD)
            guard confidence >= minimumConfidence,
                  word.unicodeScalars.contains(where: CharacterSet.alphanumerics.contains) else { continue }
            var l: Int32 = 0, t: Int32 = 0, r: Int32 = 0, b: Int32 = 0
            guard TessPageIteratorBoundingBox(page, RIL_WORD, &l, &t, &r, &b) != 0 else { continue }
            lines[lines.count - 1].append(word)
            confidences.append(confidence)
            if let current = box {
                box = (min(current.left, l), min(current.top, t), max(current.right, r), max(current.bottom, b))
            } else {
                box = (l, t, r, b)
            }
        } while TessResultIteratorNext(results, RIL_WORD) != 0
        finish()
        return blocks
    }

    /// Luma (ITU-R 601, as Pillow's `convert("L")`), one byte per pixel.
    static func grey(_ image: RGBImage) -> [UInt8] {
        let count = image.width * image.height
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { rgb in
                for i in 0..<count {
                    let r = UInt32(rgb[3 * i]), g = UInt32(rgb[3 * i + 1]), b = UInt32(rgb[3 * i + 2])
                    out[i] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                }
            }
            initialized = count
        }
    }

    /// `grey` averaged over whole-pixel boxes so that it has at most `pixels` pixels (kept as it
    /// is when already that small).
    static func shrunk(_ grey: [UInt8], width: Int, height: Int, toPixels pixels: Int) -> ([UInt8], Int, Int) {
        let factor = Int((Double(width * height) / Double(pixels)).squareRoot().rounded(.up))
        guard factor > 1 else { return (grey, width, height) }
        let w = max(1, width / factor), h = max(1, height / factor)
        var out = [UInt8](repeating: 0, count: w * h)
        let area = UInt32(factor * factor)
        grey.withUnsafeBufferPointer { src in
            for y in 0..<h {
                for x in 0..<w {
                    var sum: UInt32 = 0
                    for dy in 0..<factor {
                        let row = (y * factor + dy) * width + x * factor
                        for dx in 0..<factor { sum += UInt32(src[row + dx]) }
                    }
                    out[y * w + x] = UInt8(sum / area)
                }
            }
        }
        return (out, w, h)
    }

    private func open() throws -> OpaquePointer {
        guard let handle = TessBaseAPICreate() else { throw TextRecognizerError(description: "Tesseract: out of memory") }
        // Tesseract writes its debug messages (resolution guesses, empty pages) to stderr.
        _ = TessBaseAPISetVariable(handle, "debug_file", "/dev/null")
        guard TessBaseAPIInit3(handle, data.folder, data.language) == 0 else {
            TessBaseAPIDelete(handle)
            throw TextRecognizerError(description: "Tesseract could not open \(data.folder)/\(data.language).traineddata")
        }
        _ = TessBaseAPISetVariable(handle, "debug_file", "/dev/null")
        return handle
    }

    private func checkOut() throws -> OpaquePointer {
        lock.lock()
        let handle = idle.popLast()
        lock.unlock()
        return try handle ?? open()
    }

    private func checkIn(_ handle: OpaquePointer) {
        lock.lock()
        idle.append(handle)
        lock.unlock()
    }
}
