import Foundation
import Testing
@testable import mmsearch
@testable import MMSearchKit

/// What the command line adds on top of the library: rclip's operators, and the advice it puts
/// after a library error (the library's messages name no flags).
@Suite struct CommandLineParsingTests {
    @Test func lonePlusAndMinusOnAQueryCommandLineBecomeAddAndSubtract() {
        #expect(CommandLineRunner.rewritingOperators(["query", "a dog", "+", "snow", "-", "./cat.jpg", "-t", "3"])
                == ["query", "a dog", "--add", "snow", "--subtract", "./cat.jpg", "-t", "3"])
        #expect(CommandLineRunner.rewritingOperators(["query", "x", "--", "-"]) == ["query", "x", "--", "-"])
        #expect(CommandLineRunner.rewritingOperators(["index", "+"]) == ["index", "+"])
    }

    @Test func theCommandLineSaysWhatToDoAboutAnIndexOfAnotherSpace() {
        let index = SpaceID(name: "lite", dimension: 384, fingerprint: "aaaa")
        let weightsChanged = MMSearchError.spaceMismatch(index: index, encoder: SpaceID(name: "lite", dimension: 384, fingerprint: "bbbb"))
        let otherPack = MMSearchError.spaceMismatch(index: index, encoder: SpaceID(name: "clip-vit-b32", dimension: 512, fingerprint: "c"))
        #expect(!weightsChanged.message.contains("--") && !otherPack.message.contains("--"), "the library names no flags")
        #expect(Advice.message(for: weightsChanged).hasSuffix(
            "the lite weights changed since the index was built; `mmsearch index --model lite FOLDER` builds a space "
            + "for them beside the old one (see `mmsearch spaces`)"))
        #expect(Advice.message(for: otherPack).hasSuffix(
            "pick --model lite, or build clip-vit-b32's space beside it with `mmsearch index --model clip-vit-b32 FOLDER` "
            + "(see `mmsearch spaces`)"))
        #expect(Advice.message(for: .indexMissing("/x")) == "no index in /x: run `mmsearch index FOLDER` first (or pass --index DIR)")
    }

    @Test func cutoffAutoNoneOrAScoreParseIntoSearchOptions() throws {
        let locations = Locations(environment: [:], homeDirectory: "/home/u", currentDirectory: "/work/here")
        let auto = try QueryCommand.parse(["a dog", "--cutoff", "auto"]).filters.options(locations)
        #expect(auto.cutoff == AutomaticCutoff() && auto.minimumScore == nil)
        let none = try QueryCommand.parse(["a dog", "--cutoff", "none"]).filters.options(locations)
        #expect(none.cutoff == nil && none.minimumScore == nil)
        let score = try QueryCommand.parse(["a dog", "--cutoff", "0.35"]).filters.options(locations)
        #expect(score.cutoff == nil && score.minimumScore == 0.35)
        let both = try EvalCommand.parse(["--qrels", "q.tsv", "--cutoff", "auto", "--min-score", "0.2", "-t", "100"])
        #expect(try both.filters.options(locations).cutoff == AutomaticCutoff())
        #expect(try both.filters.options(locations).minimumScore == 0.2 && both.top == 100)
        #expect(throws: (any Error).self) { try QueryCommand.parse(["a dog", "--cutoff", "soon"]) }
        #expect(throws: (any Error).self) { try QueryCommand.parse(["a dog", "--cutoff", "0.3", "--min-score", "0.2"]) }
    }

    @Test func photoFiltersParseIntoSearchOptionsAndBadOnesAreUsageErrors() throws {
        let locations = Locations(environment: [:], homeDirectory: "/home/u", currentDirectory: "/work/here")
        let parsed = try QueryCommand.parse(["a dog", "--after", "2024-06", "--before", "2024-09", "--camera", " canon ",
                                             "--near", "48.8584,2.2945:2km", "--sort", "-date"])
        let options = try parsed.filters.options(locations)
        #expect(options.dates == DateWindow(after: WallClock.seconds(year: 2024, month: 6, day: 1),
                                            before: WallClock.seconds(year: 2024, month: 9, day: 1)))
        #expect(options.camera == "canon")
        #expect(options.near == GeoCircle(latitude: 48.8584, longitude: 2.2945, radiusMeters: 2_000))
        #expect(options.order == .newestFirst)
        #expect(try QueryCommand.parse(["x", "--sort=date"]).filters.options(locations).order == .date)
        let plain = try QueryCommand.parse(["x"]).filters.options(locations)
        #expect(plain.dates == nil && plain.camera == nil && plain.near == nil && plain.order == .score)

        func message(_ arguments: [String]) -> String {
            do {
                _ = try QueryCommand.parse(arguments)
                return "parsed"
            } catch {
                return QueryCommand.message(for: error)
            }
        }
        #expect(message(["x", "--after", "2024-13"]).contains("--after: '2024-13' is not a date"))
        #expect(message(["x", "--after", "2025", "--before", "2024"]).contains("--after/--before: no date is both"))
        #expect(message(["x", "--near", "91,0"]).contains("--near: '91,0' is not a place to search around"))
        #expect(message(["x", "--camera", " "]).contains("--camera needs a text"))
        #expect(message(["x", "--sort", "size"]).contains("size"))
    }
}
