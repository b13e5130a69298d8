import ArgumentParser
import Foundation
import MMMedia
import MMTestSupport
import Testing
@testable import mmsearch
@testable import MMSearchKit

/// `mmsearch query --preview`: the protocol chosen from the terminal's environment, the
/// override, and never a picture into a pipe or with machine output.
@Suite struct TerminalPreviewTests {
    /// The choice for a terminal on stdout with --preview and plain output.
    static func chosen(_ environment: [String: String]) throws -> TerminalGraphics? {
        try TerminalPreview.graphics(environment: environment, stdoutIsTerminal: true, requested: true, machineOutput: false)
    }

    @Test(arguments: [
        (["TERM": "xterm-kitty"], TerminalGraphics.kitty),
        (["TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"], .kitty),
        (["TERM": "xterm-ghostty"], .kitty),
        (["TERM": "xterm-256color", "GHOSTTY_RESOURCES_DIR": "/usr/share/ghostty"], .kitty),
        (["TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"], .iterm2),
        (["TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm", "COLORTERM": "truecolor"], .iterm2),
        (["TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"], .iterm2),
        (["TERM": "foot"], .sixel),
        (["TERM": "foot-extra"], .sixel),
        (["TERM": "mlterm"], .sixel),
        (["TERM": "xterm-sixel"], .sixel),
        (["TERM": "xterm-256color", "TERM_PROGRAM": "contour"], .sixel),
        (["TERM": "xterm", "TERM_PROGRAM": "mintty"], .sixel),
        (["TERM": "xterm-256color", "COLORTERM": "truecolor"], .symbols),
        (["TERM": "xterm-256color", "COLORTERM": "24bit"], .symbols),
        (["TERM": "xterm-256color"], .symbols256),
        (["TERM": "linux"], .symbols256),
        (["TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"], .symbols256),
        // Multiplexers do not pass graphics through: half blocks, whatever the terminal outside.
        (["TERM": "tmux-256color", "TMUX": "/tmp/tmux-1000/default,1,0", "KITTY_WINDOW_ID": "1",
          "COLORTERM": "truecolor"], .symbols),
        (["TERM": "screen-256color", "TERM_PROGRAM": "iTerm.app"], .symbols256),
        (["TERM": "xterm-256color", "ZELLIJ": "0", "TERM_PROGRAM": "WezTerm"], .symbols256),
    ])
    func terminalIsRecognisedFromItsEnvironment(_ environment: [String: String], _ expected: TerminalGraphics) throws {
        #expect(try Self.chosen(environment) == expected)
    }

    @Test func aDumbTerminalOrNoTermGetsNothing() throws {
        #expect(try Self.chosen(["TERM": "dumb"]) == nil)
        #expect(try Self.chosen([:]) == nil)
        #expect(try Self.chosen(["TERM": "", "COLORTERM": "truecolor"]) == nil)
    }

    @Test func theOverrideWinsOverTheTerminal() throws {
        let kitty = ["TERM": "xterm-kitty"]
        for graphics in TerminalGraphics.allCases {
            #expect(try Self.chosen(kitty.merging(["MMSEARCH_PREVIEW": graphics.rawValue]) { $1 }) == graphics)
        }
        #expect(try Self.chosen(kitty.merging(["MMSEARCH_PREVIEW": " Sixel "]) { $1 }) == .sixel)
        #expect(try Self.chosen(kitty.merging(["MMSEARCH_PREVIEW": "none"]) { $1 }) == nil)
        #expect(try Self.chosen(["TERM": "dumb", "MMSEARCH_PREVIEW": "symbols"]) == .symbols)
        #expect(try Self.chosen(kitty.merging(["MMSEARCH_PREVIEW": ""]) { $1 }) == .kitty, "empty: detect")
    }

    @Test func anUnknownOverrideIsAnErrorNamingTheChoices() throws {
        let environment = ["TERM": "xterm-kitty", "MMSEARCH_PREVIEW": "png"]
        do {
            _ = try Self.chosen(environment)
            Issue.record("MMSEARCH_PREVIEW=png was accepted")
        } catch let error as ValidationError {
            #expect(error.message == "MMSEARCH_PREVIEW=png: use one of kitty, iterm2, sixel, symbols, symbols256 or none")
        }
        // Where no picture would be drawn anyway, it is not looked at.
        #expect(try TerminalPreview.graphics(environment: environment, stdoutIsTerminal: false, requested: true,
                                             machineOutput: false) == nil)
    }

    @Test func nothingIsDrawnIntoAPipeWithMachineOutputOrWithoutTheFlag() throws {
        for environment in [["TERM": "xterm-kitty"], ["TERM": "xterm-kitty", "MMSEARCH_PREVIEW": "symbols"]] {
            #expect(try TerminalPreview.graphics(environment: environment, stdoutIsTerminal: false, requested: true,
                                                 machineOutput: false) == nil, "not a terminal")
            #expect(try TerminalPreview.graphics(environment: environment, stdoutIsTerminal: true, requested: true,
                                                 machineOutput: true) == nil, "--json, -f, -0")
            #expect(try TerminalPreview.graphics(environment: environment, stdoutIsTerminal: true, requested: false,
                                                 machineOutput: false) == nil, "no --preview")
        }
    }

    @Test func queryCommandPassesItsOutputFlagsToTheChoice() throws {
        // --preview parses with each output flag (the preview is dropped, not refused).
        for flags in [["--json"], ["-f"], ["-0"], []] {
            let command = try QueryCommand.parse(["a horse", "--preview"] + flags)
            #expect(command.preview)
            #expect((command.json || command.pathsOnly || command.nullSeparated) == !flags.isEmpty)
        }
    }

    @Test func thePictureBoxFollowsTheTerminalsCells() {
        #expect(TerminalPreview.box(window: nil) == TerminalPicture.Box())
        // 80x24 cells of 9x18 pixels.
        let box = TerminalPreview.box(window: (80, 24, 720, 432))
        #expect(box.columns == 16 && box.cellWidth == 9 && box.cellHeight == 18)
        // No pixel size reported: 10x20 assumed; a narrow terminal gets a narrower picture.
        let narrow = TerminalPreview.box(window: (20, 24, 0, 0))
        #expect(narrow.columns == 11 && narrow.cellWidth == 10 && narrow.cellHeight == 20)
    }

    @Test func onlyImageResultsWhoseFileIsHereGetAPicture() throws {
        let horse = TestPaths.repository.appendingPathComponent("Media/horse.jpg").path
        let image = SearchHit(path: horse, score: 0.3, modality: .image)
        let lines = TerminalPreview.lines(for: image, graphics: .symbols, box: .init())
        #expect(lines.count == 6, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix(ResultLines.indent + "\u{1b}[38;2;") })
        #expect(TerminalPreview.lines(for: SearchHit(path: horse, score: 0.3, modality: .text), graphics: .kitty,
                                      box: .init()).isEmpty)
        #expect(TerminalPreview.lines(for: SearchHit(path: "/nonexistent/server/side.jpg", score: 0.3, modality: .image),
                                      graphics: .kitty, box: .init()).isEmpty)
        // A file that is here but no image: one dim note, not a crash.
        let notes = TerminalPreview.lines(for: SearchHit(path: #filePath, score: 0.3, modality: .image),
                                          graphics: .sixel, box: .init())
        #expect(notes.count == 1 && notes[0].contains("no preview:") && notes[0].hasPrefix(ResultLines.indent + "\u{1b}[2m"))
    }
}
