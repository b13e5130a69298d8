import Testing
@testable import MMMedia

/// Decoding is bit-identical to Pillow: `exif_transpose(open(f)[.draft("RGB", size)]).convert("RGB")`.
@Suite struct DecodeParityTests {
    @Test("decoded pixels equal Pillow's", arguments: Fixtures.decodeCases)
    func decodedPixelsEqualPillow(_ fixture: Fixtures.DecodeCase) throws {
        let draft = fixture.draft.map { (width: $0[0], height: $0[1]) }
        let image = try ImageDecoder.decode(contentsOf: Fixtures.url(fixture.file), draft: draft)
        expectIdentical(image, try Fixtures.image(fixture.reference), fixture.name)
    }

    @Test func decodingFromMemoryEqualsDecodingTheFile() throws {
        let file = "jpeg/orientation_6.jpg"
        let fromFile = try ImageDecoder.decode(contentsOf: Fixtures.url(file))
        let fromBytes = try ImageDecoder.decode(bytes: Fixtures.bytes(file), name: file)
        #expect(fromFile == fromBytes)
    }

    @Test func draftRequestScalesLikePillowOnlyWhenTheImageIsLargeEnough() throws {
        // 203x151: min(203 / w, 151 / h) (26x1: min(7, 151) = 7) picks 8, 4, 2 or 1; the output is
        // rounded up.
        let url = Fixtures.url("jpeg/big_420.jpg")
        let expected: [((Int, Int), (Int, Int))] = [
            ((25, 18), (26, 19)), ((50, 37), (51, 38)), ((100, 75), (102, 76)),
            ((101, 76), (203, 151)), ((0, 0), (203, 151)), ((-5, 10), (203, 151)), ((26, 1), (51, 38)),
        ]
        for (request, size) in expected {
            let image = try ImageDecoder.decode(contentsOf: url, draft: (width: request.0, height: request.1))
            #expect(image.width == size.0 && image.height == size.1, "draft \(request)")
        }
    }

    @Test func draftDoesNotApplyToPNG() throws {
        let image = try ImageDecoder.decode(contentsOf: Fixtures.url("png/rgb_8.png"), draft: (width: 1, height: 1))
        #expect(image.width == 13 && image.height == 7)
    }
}
