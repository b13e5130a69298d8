import Foundation

/// How a terminal is told to show a picture.
public enum TerminalGraphics: String, Sendable, Hashable, CaseIterable {
    /// kitty's graphics protocol (also Ghostty, and Konsole in part): APC `ESC _ G …` with raw
    /// RGB, base64, in chunks of at most 4096 characters.
    case kitty
    /// iTerm2's inline images (also WezTerm): OSC 1337 `File=inline=1` with a base64 JPEG.
    case iterm2
    /// DEC sixel (foot, mlterm, contour, xterm -ti vt340, …), encoded by libsixel: DCS `ESC P … q`
    /// to ST `ESC \`, at most 256 colour registers.
    case sixel
    /// Any colour terminal: upper half blocks `▀`, the top pixel as the foreground and the bottom
    /// one as the background, in 24-bit colour SGR.
    case symbols
    /// The same with the 256-colour palette (6×6×6 cube and grey ramp), for terminals without
    /// 24-bit colour.
    case symbols256
}

/// A picture of an image file ready to write to a terminal, sized in character cells.
///
/// The picture fills whole cells: `columns` × `rows` of them, with the image's aspect kept to
/// within half a cell. It is made from the upright image (EXIF orientation applied) decoded as
/// small as the picture allows (`Thumbnail.image`), then resized to the pixels the protocol
/// sends: `columns × cell width` by `rows × cell height` for kitty, iTerm2 and sixel, one pixel
/// per half cell (`columns` × `2·rows`) for the symbols.
public struct TerminalPicture: Sendable, Equatable {
    /// The space a picture may take, and how large a cell is in pixels.
    public struct Box: Sendable, Equatable {
        /// The picture's width in cells; a tall image may get fewer so that it fits `rows`.
        public var columns: Int
        /// The most rows the picture may take.
        public var rows: Int
        /// One cell's size in pixels (10 × 20 when the terminal does not say).
        public var cellWidth: Int
        public var cellHeight: Int

        public init(columns: Int = 16, rows: Int = 12, cellWidth: Int = 10, cellHeight: Int = 20) {
            self.columns = columns
            self.rows = rows
            self.cellWidth = cellWidth
            self.cellHeight = cellHeight
        }

        /// The boxes accepted: up to 1000 cells each way, cells up to 256 pixels, and a picture
        /// of at most `Thumbnail.sizes.upperBound` pixels each way.
        func check(name: String) throws {
            let cells = 1...1000, cellPixels = 1...256
            guard cells.contains(columns), cells.contains(rows),
                  cellPixels.contains(cellWidth), cellPixels.contains(cellHeight),
                  columns * cellWidth <= Thumbnail.sizes.upperBound, rows * cellHeight <= Thumbnail.sizes.upperBound
            else {
                throw MediaError(path: name, kind: .unsupported,
                                 reason: "a preview of \(columns)x\(rows) cells of \(cellWidth)x\(cellHeight) pixels is "
                                    + "outside 1...1000 cells of 1...256 pixels, at most \(Thumbnail.sizes.upperBound) pixels each way")
            }
        }

        /// The cells an image of `width` × `height` pixels takes: `columns` wide with the height
        /// in proportion (a cell being `cellWidth` × `cellHeight`), or `rows` high and narrower
        /// when that is too tall; at least one cell each way.
        func cells(width: Int, height: Int) -> (columns: Int, rows: Int) {
            let aspect = Double(height) * Double(cellWidth) / (Double(width) * Double(cellHeight))
            let rowsForWidth = max(1, Int((Double(columns) * aspect).rounded()))
            if rowsForWidth <= rows { return (columns, rowsForWidth) }
            return (max(1, min(columns, Int((Double(rows) / aspect).rounded()))), rows)
        }
    }

    public let graphics: TerminalGraphics
    /// The cells the picture covers.
    public let columns: Int
    public let rows: Int
    /// The size of the image sent (for the symbols, one pixel per half cell).
    public let pixelWidth: Int
    public let pixelHeight: Int
    /// What to write, each line at the same column and followed by a newline. The symbols give
    /// `rows` lines, each ending with `ESC[0m`; the other protocols one line holding the whole
    /// escape sequence, after which the terminal leaves the cursor at the picture's last row.
    public let lines: [String]

    /// A picture of the image file at `url`.
    ///
    /// - Throws: `MediaError` as `ImageDecoder` throws it for a file it cannot decode (its
    ///   message starts with the path as `url` gives it), or for a box outside the accepted sizes.
    public init(contentsOf url: URL, graphics: TerminalGraphics, box: Box = .init(),
                limits: ImageLimits = .init()) throws {
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        try box.check(name: name)
        // Decoded small (libjpeg's DCT scaling does most of the shrinking), then resized to the
        // exact size below. At least 256 pixels on the long side, so that the aspect the cells
        // are counted from is the file's to within 1/256, and the final resize has pixels to
        // average even for the symbols' few.
        let (perColumn, perRow) = Self.pixelsPerCell(graphics, box: box)
        let longest = max(box.columns * perColumn, box.rows * perRow)
        let size = min(max(longest, Self.smallestDecode), Thumbnail.sizes.upperBound)
        let image = try Thumbnail.image(contentsOf: url, size: size, limits: limits)
        try self.init(image, graphics: graphics, box: box, name: name)
    }

    /// A picture of `image`; `name` stands for it in error messages.
    public init(_ image: RGBImage, graphics: TerminalGraphics, box: Box = .init(), name: String = "<memory>") throws {
        try box.check(name: name)
        guard image.width > 0, image.height > 0 else {
            throw MediaError(path: name, kind: .unsupported, reason: "an empty image has no preview")
        }
        let (columns, rows) = box.cells(width: image.width, height: image.height)
        let (perColumn, perRow) = Self.pixelsPerCell(graphics, box: box)
        let pixels = image.resized(width: columns * perColumn, height: rows * perRow, filter: .bicubic)
        self.graphics = graphics
        self.columns = columns
        self.rows = rows
        self.pixelWidth = pixels.width
        self.pixelHeight = pixels.height
        switch graphics {
        case .kitty:
            lines = [Self.kitty(pixels, columns: columns, rows: rows)]
        case .iterm2:
            lines = [Self.iterm2(try JPEGEncoding.encode(pixels, quality: 85, name: name), columns: columns)]
        case .sixel:
            lines = [try SixelEncoding.encode(pixels, name: name)]
        case .symbols, .symbols256:
            lines = Self.halfBlocks(pixels, trueColour: graphics == .symbols)
        }
    }

    /// The smallest long side an image is decoded at.
    static let smallestDecode = 256

    /// The pixels sent per cell, across and down.
    private static func pixelsPerCell(_ graphics: TerminalGraphics, box: Box) -> (Int, Int) {
        switch graphics {
        case .kitty, .iterm2, .sixel: return (box.cellWidth, box.cellHeight)
        case .symbols, .symbols256: return (1, 2)
        }
    }

    // MARK: Protocols

    /// The most base64 characters in one kitty escape sequence (the protocol's limit).
    static let kittyChunk = 4096

    /// kitty: transmit and display (`a=T`) 24-bit RGB (`f=24`) of `s` × `v` pixels over
    /// `c` × `r` cells, without the terminal's reply (`q=2`); the base64 payload in chunks,
    /// `m=1` on every one but the last. See https://sw.kovidgoyal.net/kitty/graphics-protocol/.
    static func kitty(_ image: RGBImage, columns: Int, rows: Int) -> String {
        let payload = Data(image.pixels).base64EncodedString()
        var out = ""
        var start = payload.startIndex
        var first = true
        repeat {
            let end = payload.index(start, offsetBy: kittyChunk, limitedBy: payload.endIndex) ?? payload.endIndex
            let more = end < payload.endIndex ? 1 : 0
            let keys = first ? "a=T,f=24,s=\(image.width),v=\(image.height),c=\(columns),r=\(rows),q=2,m=\(more)" : "m=\(more)"
            out += "\u{1b}_G" + keys + ";" + String(payload[start..<end]) + "\u{1b}\\"
            start = end
            first = false
        } while start < payload.endIndex
        return out
    }

    /// iTerm2: an inline file (`inline=1`) of `size` bytes, `width` cells wide, its height
    /// following from the aspect. See https://iterm2.com/documentation-images.html.
    static func iterm2(_ jpeg: [UInt8], columns: Int) -> String {
        "\u{1b}]1337;File=inline=1;size=\(jpeg.count);width=\(columns);height=auto;preserveAspectRatio=1:"
            + Data(jpeg).base64EncodedString() + "\u{07}"
    }

    /// Half blocks: each cell shows two pixels, one above the other; a colour is set only when
    /// it changes along the line.
    static func halfBlocks(_ image: RGBImage, trueColour: Bool) -> [String] {
        let width = image.width
        return stride(from: 0, to: image.height - 1, by: 2).map { top in
            var line = ""
            var current: (foreground: Int, background: Int)?
            for x in 0..<width {
                let upper = (top * width + x) * 3, lower = ((top + 1) * width + x) * 3
                let foreground = colourCode(image.pixels, at: upper, trueColour: trueColour)
                let background = colourCode(image.pixels, at: lower, trueColour: trueColour)
                if current?.foreground != foreground {
                    line += "\u{1b}[38;" + sgrColour(foreground, trueColour: trueColour) + "m"
                }
                if current?.background != background {
                    line += "\u{1b}[48;" + sgrColour(background, trueColour: trueColour) + "m"
                }
                current = (foreground, background)
                line += "▀"
            }
            return line + "\u{1b}[0m"
        }
    }

    /// A pixel as one number: 0xRRGGBB, or its index in the 256-colour palette.
    private static func colourCode(_ pixels: [UInt8], at offset: Int, trueColour: Bool) -> Int {
        let r = Int(pixels[offset]), g = Int(pixels[offset + 1]), b = Int(pixels[offset + 2])
        return trueColour ? r << 16 | g << 8 | b : palette256(r, g, b)
    }

    /// SGR 38/48's colour after the `38;`: `2;R;G;B`, or `5;N`.
    private static func sgrColour(_ code: Int, trueColour: Bool) -> String {
        trueColour ? "2;\(code >> 16);\(code >> 8 & 0xFF);\(code & 0xFF)" : "5;\(code)"
    }

    /// The nearest of xterm's 256 colours that are the same everywhere: the 6×6×6 cube
    /// (16...231, levels 0, 95, 135, 175, 215, 255) or the grey ramp (232...255, 8 + 10·i).
    static func palette256(_ r: Int, _ g: Int, _ b: Int) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearestLevel(_ v: Int) -> Int {
            levels.indices.min { abs(levels[$0] - v) < abs(levels[$1] - v) } ?? 0
        }
        let (ri, gi, bi) = (nearestLevel(r), nearestLevel(g), nearestLevel(b))
        let cube = (levels[ri], levels[gi], levels[bi])
        let grey = min(23, max(0, ((r + g + b) / 3 - 3) / 10))
        let greyLevel = 8 + 10 * grey
        func distance(_ c: (Int, Int, Int)) -> Int {
            (c.0 - r) * (c.0 - r) + (c.1 - g) * (c.1 - g) + (c.2 - b) * (c.2 - b)
        }
        return distance((greyLevel, greyLevel, greyLevel)) < distance(cube) ? 232 + grey : 16 + 36 * ri + 6 * gi + bi
    }
}
