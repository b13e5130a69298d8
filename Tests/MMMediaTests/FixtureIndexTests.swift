import Testing
@testable import MMMedia

/// The parameterised parity tests read their cases from the fixture index: if it were missing
/// or emptied they would pass vacuously, so this pins that it holds every kind of case.
@Suite struct FixtureIndexTests {
    @Test func indexLoadsAndCoversEveryCaseFamily() throws {
        let index = try Fixtures.index.get()
        let decoded = Set(index.decode.map(\.name))
        for o in 1...8 {
            #expect(decoded.contains("jpeg_orientation_\(o)"))
        }
        for name in ["jpeg_baseline_420", "jpeg_baseline_444", "jpeg_progressive_420", "jpeg_grey", "jpeg_cmyk",
                     "jpeg_draft_420_100x75", "jpeg_draft_420_50x37", "jpeg_draft_420_25x18",
                     "png_grey_1", "png_grey_2", "png_grey_4", "png_grey_8", "png_grey_16", "png_grey_alpha_8",
                     "png_grey_alpha_16", "png_rgb_8", "png_rgb_16", "png_rgba_8", "png_rgba_16",
                     "png_palette_1", "png_palette_2", "png_palette_4", "png_palette_8", "png_palette_8_trns",
                     "png_rgb_8_interlaced", "png_rgba_16_interlaced"] {
            #expect(decoded.contains(name), "missing decode case \(name)")
        }
        #expect(index.resize.count >= 20)
        #expect(index.geometry.count >= 10)
        #expect(index.pipeline.count >= 2)
        #expect(index.tensor.count >= 2)
        #expect(Set(index.bad.map(\.kind)) == ["empty", "truncated", "corrupt", "not_image", "too_large"])
    }
}
