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
            "the lite weights changed since the index was built; re-index into another --index"))
        #expect(Advice.message(for: otherPack).hasSuffix("re-index into another --index or pick --model lite"))
        #expect(Advice.message(for: .indexMissing("/x")) == "no index in /x: run `mmsearch index FOLDER` first (or pass --index DIR)")
    }
}
