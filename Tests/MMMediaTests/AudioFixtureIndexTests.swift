import Testing
@testable import MMMedia

/// The parameterised audio tests read their cases from the fixture index: if it were missing
/// or emptied they would pass vacuously, so this pins that it holds every kind of case.
@Suite struct AudioFixtureIndexTests {
    @Test func indexLoadsAndCoversEveryFormatAndCaseFamily() throws {
        let index = try AudioFixtures.index.get()
        #expect(Set(index.decode.map(\.format)) == Set(AudioFormat.allCases.map(\.rawValue)))
        let lossless = index.decode.filter { $0.tolerance == 0 }
        #expect(Set(lossless.map(\.format)) == ["WAV", "FLAC"])
        #expect(Set(index.decode.map(\.sample_rate)).isSuperset(of: [8000, 22050, 44100, 48000]))
        #expect(Set(index.decode.map(\.channels)).isSuperset(of: [1, 2, 6]))
        #expect(Set(index.resample.map(\.sample_rate)) == [16000, 48000])
        #expect(Set(index.resample.map(\.quality)) == Set(ResampleQuality.allCases.map(\.rawValue)))
        #expect(index.resample.contains { $0.tolerance == 0 } && index.resample.contains { $0.tolerance > 0 })
        #expect(Set(index.bad.map(\.kind)) == ["empty", "not_audio", "truncated", "unsupported", "corrupt"])
        #expect(index.long.count >= 4)
    }
}
