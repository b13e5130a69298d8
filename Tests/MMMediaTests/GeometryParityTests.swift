import Testing
@testable import MMMedia

/// torchvision's `Resize(int)` size rule and `CenterCrop` rounding/padding, on Pillow images.
@Suite struct GeometryParityTests {
    @Test("resize/crop equals the reference", arguments: Fixtures.geometryCases)
    func geometryEqualsReference(_ fixture: Fixtures.GeometryCase) throws {
        let input = try Fixtures.image(fixture.input, width: fixture.input_width, height: fixture.input_height)
        let output: RGBImage
        switch fixture.op {
        case "shortest_side":
            output = input.resizedShortestSide(to: try #require(fixture.size),
                                               filter: try ResampleFilter(fixture: fixture.filter ?? "bilinear"))
        case "center_crop":
            output = input.centerCropped(width: try #require(fixture.crop_width), height: try #require(fixture.crop_height))
        default:
            Issue.record("unknown op \(fixture.op)")
            return
        }
        expectIdentical(output, try Fixtures.image(fixture.reference), fixture.name)
    }

    @Test func shortestSideFollowsTorchvisionSizeRule() {
        let cases: [((Int, Int), Int, (Int, Int))] = [
            ((640, 480), 256, (341, 256)), ((480, 640), 256, (256, 341)), ((300, 300), 256, (256, 256)),
            ((1000, 3), 2, (666, 2)), ((256, 999), 256, (256, 999)),
        ]
        for (size, target, expected) in cases {
            let image = RGBImage(width: size.0, height: size.1, pixels: [UInt8](repeating: 7, count: size.0 * size.1 * 3))
            let out = image.resizedShortestSide(to: target)
            #expect(out.width == expected.0 && out.height == expected.1, "\(size) -> \(target)")
        }
    }

    @Test func centerCropRoundsHalvesToEven() {
        // 5 wide, crop 2: (5 - 2) / 2 = 1.5 -> 2; 7 wide, crop 2: 2.5 -> 2.
        let row5 = RGBImage(width: 5, height: 1, pixels: (0..<15).map(UInt8.init))
        #expect(row5.centerCropped(width: 2, height: 1).pixels == Array(6..<12))
        let row7 = RGBImage(width: 7, height: 1, pixels: (0..<21).map(UInt8.init))
        #expect(row7.centerCropped(width: 2, height: 1).pixels == Array(6..<12))
    }
}
