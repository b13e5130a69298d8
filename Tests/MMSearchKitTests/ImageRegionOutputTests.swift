import Foundation
import Testing
@testable import MMSearchKit
@testable import mmsearch

/// How a hit on text read in an image is shown: `@ region x,y width×height` and its words in
/// plain output, `part.region` in the JSON document (and back, for `query --server`); a hit on
/// an image's own row shows no part.
@Suite struct ImageRegionOutputTests {
    static let region = ImageRegion(x: 29, y: 423, width: 287, height: 57)
    static let hit = SearchHit(fileID: 3, path: "/scans/receipt.png", score: 0.6176, modality: .image,
                               part: MatchedPart(part: FilePart(index: 2, bytes: 110..<153,
                                                                text: "Invoice INV-7Q42-XK9\nThank you for shopping",
                                                                region: region), score: 0.6176))

    @Test func plainOutputShowsTheRegionAndTheWords() {
        let lines = ResultLines.lines(Self.hit, from: "/scans")
        #expect(lines == ["0.6176  receipt.png @ region 29,423 287×57",
                          ResultLines.indent + "Invoice INV-7Q42-XK9 Thank you for shopping"])
        let whole = SearchHit(fileID: 3, path: "/scans/receipt.png", score: 0.5, modality: .image)
        #expect(ResultLines.lines(whole, from: "/scans") == ["0.5000  receipt.png"])
    }

    @Test func theJSONDocumentCarriesTheRegionBothWays() throws {
        let document = QueryResultsDocument(query: .text("INV-7Q42-XK9"), space: SpaceID(name: "t", dimension: 2, fingerprint: "f"),
                                            hits: [Self.hit])
        let json = try JSONOutput.encode(document)
        #expect(json.contains(#""region":{"height":57,"width":287,"x":29,"y":423}"#))
        let back = try JSONDecoder().decode(QueryResultsDocument.self, from: Data(json.utf8)).results[0].hit
        #expect(back.part?.region == Self.region)
        #expect(ResultLines.lines(back, from: "/scans").first == "0.6176  receipt.png @ region 29,423 287×57")
    }

    @Test func anImagesOwnRowIsTheWholeFile() {
        #expect(FilePart(index: 0, vector: [1, 0]).isWholeFile)
        #expect(!FilePart(index: 1, text: "CHILDREN CROSSING", region: Self.region).isWholeFile)
        #expect(!FilePart(index: 0, time: TimeSpan(start: 0, end: 1)).isWholeFile)
    }
}
