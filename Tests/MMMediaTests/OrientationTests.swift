import Testing
@testable import MMMedia

@Suite struct OrientationTests {
    /// 3x2 image whose pixel values are their stored (x, y): easy to follow through a turn.
    static let grid = RGBImage(width: 3, height: 2, pixels: (0..<2).flatMap { y in (0..<3).flatMap { x in [UInt8(x), UInt8(y), 0] } })

    func coordinates(_ image: RGBImage) -> [[String]] {
        (0..<image.height).map { y in
            (0..<image.width).map { x in
                let i = (y * image.width + x) * 3
                return "\(image.pixels[i])\(image.pixels[i + 1])"
            }
        }
    }

    @Test func everyOrientationTurnsLikeExifTranspose() {
        let expected: [ImageOrientation: [[String]]] = [
            .up: [["00", "10", "20"], ["01", "11", "21"]],
            .upMirrored: [["20", "10", "00"], ["21", "11", "01"]],
            .down: [["21", "11", "01"], ["20", "10", "00"]],
            .downMirrored: [["01", "11", "21"], ["00", "10", "20"]],
            .leftMirrored: [["00", "01"], ["10", "11"], ["20", "21"]],
            .right: [["01", "00"], ["11", "10"], ["21", "20"]],
            .rightMirrored: [["21", "20"], ["11", "10"], ["01", "00"]],
            .left: [["20", "21"], ["10", "11"], ["00", "01"]],
        ]
        for orientation in ImageOrientation.allCases {
            #expect(coordinates(Self.grid.oriented(orientation)) == expected[orientation], "\(orientation)")
        }
    }

    @Test func largeRotationsCrossTileBoundariesCorrectly() {
        // Bigger than one 64x64 tile in both directions; turning right then left is identity.
        let w = 131, h = 70
        let image = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
        #expect(image.oriented(.right).oriented(.left) == image)
        #expect(image.oriented(.leftMirrored).oriented(.leftMirrored) == image)
        #expect(image.oriented(.down).oriented(.down) == image)
    }

    @Test func exifParserReadsBothByteOrdersAndSurvivesDamage() {
        let big: [UInt8] = Array("MM\0*".utf8) + [0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        let little: [UInt8] = Array("II*\0".utf8) + [8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]
        #expect(ExifOrientation.lookup(inExif: big) == .present(6))
        #expect(ExifOrientation.lookup(inExif: ExifOrientation.exifHeader + little) == .present(8))
        // Every truncation and an IFD offset pointing far away: absent, never a crash.
        for n in 0..<big.count {
            _ = ExifOrientation.lookup(inExif: Array(big[..<n]))
        }
        #expect(ExifOrientation.lookup(inExif: Array(big[..<17])) == .absent)
        #expect(ExifOrientation.lookup(inExif: Array("MM\0*".utf8) + [0xFF, 0xFF, 0xFF, 0xFF]) == .absent)
        #expect(ExifOrientation.lookup(inExif: []) == .absent)
    }

    @Test func exifOrientationWinsOverXMPAndOutOfRangeValuesAreIgnored() {
        let exif6: [UInt8] = Array("MM\0*".utf8) + [0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        let exif9: [UInt8] = Array("MM\0*".utf8) + [0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0]
        let xmp3 = Array("<x tiff:Orientation=\"3\"/>".utf8)
        #expect(ExifOrientation.resolve(exif: exif6, xmp: xmp3) == .right)
        #expect(ExifOrientation.resolve(exif: nil, xmp: xmp3) == .down)
        #expect(ExifOrientation.resolve(exif: exif9, xmp: xmp3) == .up)
        #expect(ExifOrientation.resolve(exif: nil, xmp: Array("<tiff:Orientation>8</tiff:Orientation>".utf8)) == .left)
        #expect(ExifOrientation.resolve(exif: nil, xmp: Array("tiff:Orientation".utf8)) == .up)
    }
}
