import Testing
@testable import MMMedia

/// `ToTensor()` + `Normalize(mean, std)` in float32, bit for bit.
@Suite struct TensorParityTests {
    @Test("tensor equals numpy's float32", arguments: Fixtures.tensorCases)
    func tensorEqualsReference(_ fixture: Fixtures.TensorCase) throws {
        let input = try Fixtures.image(fixture.input, width: fixture.input_width, height: fixture.input_height)
        let mean = fixture.mean.map { Float($0) }
        let std = fixture.std.map { Float($0) }
        let expected = try Fixtures.floats(fixture.reference)
        let tensor = input.chwTensor(mean: mean, std: std)
        #expect(tensor.count == expected.count)
        let mismatches = zip(tensor, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
        #expect(mismatches == 0, "\(fixture.name): \(mismatches) values differ")

        // The buffer variant writes the same values into a slot of a larger batch.
        var batch = [Float](repeating: .nan, count: expected.count * 2)
        batch.withUnsafeMutableBufferPointer { all in
            input.chwTensor(mean: mean, std: std, into: UnsafeMutableBufferPointer(rebasing: all[expected.count...]))
        }
        #expect(batch[expected.count...].map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(batch[..<expected.count].allSatisfy { $0.isNaN })
    }

    @Test func tensorIsPlanarChannelMajor() {
        let image = RGBImage(width: 2, height: 1, pixels: [255, 0, 0, 0, 255, 0])
        let tensor = image.chwTensor(mean: [0, 0, 0], std: [1, 1, 1])
        #expect(tensor == [1, 0, 0, 1, 0, 0])
    }
}
