import Testing
@testable import MMMedia

/// The `lite` pack's image preprocessing up to the crop (reference_lite.load_rgb + preprocess):
/// decode (with draft 256 where asked), EXIF transpose, shortest side 256 bilinear, centre 224.
@Suite struct PipelineParityTests {
    @Test("pipeline output equals the reference", arguments: Fixtures.pipelineCases)
    func pipelineEqualsReference(_ fixture: Fixtures.PipelineCase) throws {
        let draft = fixture.draft.map { (width: $0[0], height: $0[1]) }
        let decoded = try ImageDecoder.decode(contentsOf: Fixtures.url(fixture.file), draft: draft)
        #expect(decoded.width == fixture.decoded_width && decoded.height == fixture.decoded_height)
        let output = decoded.resizedShortestSide(to: fixture.short_side, filter: .bilinear)
            .centerCropped(width: fixture.crop, height: fixture.crop)
        expectIdentical(output, try Fixtures.image(fixture.reference), fixture.name)
    }
}
