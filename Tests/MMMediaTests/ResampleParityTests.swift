import Testing
@testable import MMMedia

/// Resampling is bit-identical to Pillow's `Image.resize(size, BILINEAR | BICUBIC)`.
@Suite struct ResampleParityTests {
    @Test("resized pixels equal Pillow's", arguments: Fixtures.resizeCases)
    func resizedPixelsEqualPillow(_ fixture: Fixtures.ResizeCase) throws {
        let input = try Fixtures.image(fixture.input, width: fixture.input_width, height: fixture.input_height)
        let output = input.resized(width: fixture.reference.width, height: fixture.reference.height,
                                   filter: try ResampleFilter(fixture: fixture.filter))
        expectIdentical(output, try Fixtures.image(fixture.reference), fixture.name)
    }

    @Test func coefficientsOfEachOutputPixelSumToOne() {
        // Normalised weights: the fixed-point sums stay within rounding of 2^22.
        for filter in ResampleFilter.allCases {
            for (inSize, outSize) in [(100, 7), (7, 100), (64, 63), (1, 5), (5, 1)] {
                let axis = ResampleAxis(inSize: inSize, outSize: outSize, filter: filter)
                for i in 0..<outSize {
                    let row = axis.weights[(i * axis.kernelSize)..<(i * axis.kernelSize + axis.counts[i])]
                    let sum = row.reduce(0) { $0 + Int($1) }
                    #expect(abs(sum - (1 << 22)) <= axis.counts[i], "\(filter) \(inSize)->\(outSize) #\(i)")
                    #expect(axis.starts[i] >= 0 && axis.starts[i] + axis.counts[i] <= inSize)
                }
            }
        }
    }

    @Test func constantImageStaysConstant() {
        let image = RGBImage(width: 9, height: 5, pixels: [UInt8](repeating: 200, count: 9 * 5 * 3))
        for filter in ResampleFilter.allCases {
            #expect(image.resized(width: 4, height: 11, filter: filter).pixels.allSatisfy { $0 == 200 })
        }
    }
}
