import Foundation
import MMCLAP
import MMTensor
import MMTestSupport
import Testing

/// The tiny random CLAP loaded at int8 against the reference's f32 embeddings (transformers,
/// Scripts/fixtures/make_clap_fixtures.py): audio and text towers within cosine 0.995.
@Suite(.serialized)
struct ClapInt8Tests {
    static let model = Result { try ClapModel.load(directory: ClapFixtures.tinyDirectory, precision: .int8) }

    @Test func audioEmbeddingsAtInt8StayWithinCosine0995OfTheReference() throws {
        let fixture = try ClapFixtures.audioFixture()
        let got = try Self.model.get().audioEmbeddings(features: ClapFixtures.floats(fixture.features))
        let cosines = zip(got, fixture.clips).map { cosine($0.0, $0.1.embedding) }
        print("CLAP tiny audio int8: min cosine \(cosines.min()!) over \(cosines.count)")
        #expect(cosines.count == fixture.clips.count && cosines.allSatisfy { $0 >= 0.995 })
        #expect(zip(got, fixture.clips).contains { maxAbsDifference($0.0, $0.1.embedding) > 1e-4 })
    }

    @Test func textEmbeddingsAtInt8StayWithinCosine0995OfTheReference() throws {
        let fixture = try TestPaths.json(ClapFixtures.TextFixture.self, "clap/tiny-text.json")
        let got = try Self.model.get().embed(texts: fixture.cases.map(\.text))
        let cosines = zip(got, fixture.cases).map { cosine($0.0, $0.1.embedding) }
        print("CLAP tiny text int8: min cosine \(cosines.min()!) over \(cosines.count)")
        #expect(!cosines.isEmpty && cosines.allSatisfy { $0 >= 0.995 })
    }
}
