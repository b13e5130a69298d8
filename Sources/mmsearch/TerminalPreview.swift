import ArgumentParser
import Foundation
import MMMedia
import MMSearchKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mmsearch query --preview`: which pictures the terminal gets, and each image result's picture
/// under its `score  path` line.
///
/// The choice is a pure function of the environment, whether stdout is a terminal and the
/// output flags (`graphics(environment:stdoutIsTerminal:requested:machineOutput:)`), so it is
/// tested without a terminal. Nothing is ever drawn into a pipe or a file, nor with `--json`,
/// `-f` or `-0`: those outputs are for programs, and a shell alias with `--preview` keeps
/// working when one of them is added.
enum TerminalPreview {
    /// The environment variable that overrides the detection.
    static let overrideVariable = "MMSEARCH_PREVIEW"

    /// The graphics to draw with, or nil for none.
    ///
    /// - Parameters:
    ///   - requested: `--preview` was given.
    ///   - machineOutput: `--json`, `-f` or `-0` was given.
    /// - Throws: `ValidationError` for an `MMSEARCH_PREVIEW` that names no protocol (only when
    ///   a preview would otherwise be drawn).
    static func graphics(environment: [String: String], stdoutIsTerminal: Bool, requested: Bool,
                         machineOutput: Bool) throws -> TerminalGraphics? {
        guard requested, stdoutIsTerminal, !machineOutput else { return nil }
        let chosen = environment[overrideVariable].map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch chosen {
        case "": return detect(environment)
        case "none", "off": return nil
        default:
            guard let graphics = TerminalGraphics(rawValue: chosen) else {
                let names = TerminalGraphics.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("\(overrideVariable)=\(chosen): use one of \(names) or none")
            }
            return graphics
        }
    }

    /// The terminal's graphics, from what it puts in the environment:
    ///
    /// 1. `TERM` unset, empty or `dumb`: none.
    /// 2. Inside tmux, screen or Zellij (`TMUX`, `ZELLIJ`, `TERM=screen*`/`tmux*`): symbols, as
    ///    multiplexers do not pass graphics through without configuration.
    /// 3. kitty: `TERM=xterm-kitty` or `KITTY_WINDOW_ID`; Ghostty: `TERM=xterm-ghostty`,
    ///    `GHOSTTY_RESOURCES_DIR` or `TERM_PROGRAM=ghostty`.
    /// 4. iTerm2: `TERM_PROGRAM=iTerm.app` or `WezTerm`, or `LC_TERMINAL=iTerm2`.
    /// 5. sixel: `TERM` containing `sixel`, `TERM=foot*` or `mlterm*`, or `TERM_PROGRAM` one of
    ///    `foot`, `mlterm`, `contour`, `mintty`.
    /// 6. Otherwise symbols: 24-bit colour when `COLORTERM` is `truecolor` or `24bit`, else the
    ///    256-colour palette.
    static func detect(_ environment: [String: String]) -> TerminalGraphics? {
        func value(_ name: String) -> String { environment[name] ?? "" }
        let term = value("TERM"), program = value("TERM_PROGRAM")
        guard !term.isEmpty, term != "dumb" else { return nil }
        let colourTerm = value("COLORTERM").lowercased()
        let symbols: TerminalGraphics = colourTerm == "truecolor" || colourTerm == "24bit" ? .symbols : .symbols256
        if !value("TMUX").isEmpty || !value("ZELLIJ").isEmpty || term.hasPrefix("screen") || term.hasPrefix("tmux") {
            return symbols
        }
        if term == "xterm-kitty" || !value("KITTY_WINDOW_ID").isEmpty
            || term == "xterm-ghostty" || !value("GHOSTTY_RESOURCES_DIR").isEmpty || program == "ghostty" {
            return .kitty
        }
        if program == "iTerm.app" || program == "WezTerm" || value("LC_TERMINAL") == "iTerm2" {
            return .iterm2
        }
        if term.contains("sixel") || term.hasPrefix("foot") || term.hasPrefix("mlterm")
            || ["foot", "mlterm", "contour", "mintty"].contains(program) {
            return .sixel
        }
        return symbols
    }

    /// Pictures are 16 columns wide and at most 12 rows high, under the result's line at the
    /// indentation of its text; the cell's size in pixels comes from the terminal when it says
    /// (`TIOCGWINSZ`), else 10 × 20. A terminal too narrow for 16 columns gets a narrower picture.
    static func box(window: (columns: Int, rows: Int, pixelWidth: Int, pixelHeight: Int)?) -> TerminalPicture.Box {
        var box = TerminalPicture.Box()
        guard let window, window.columns > 0, window.rows > 0 else { return box }
        box.columns = max(1, min(box.columns, window.columns - ResultLines.indent.count - 1))
        let cellWidth = window.pixelWidth / window.columns, cellHeight = window.pixelHeight / window.rows
        if (1...256).contains(cellWidth), (1...256).contains(cellHeight) {
            box.cellWidth = cellWidth
            box.cellHeight = cellHeight
        }
        return box
    }

    /// stdout's terminal size in cells and pixels (pixels are 0 where the terminal does not say);
    /// nil when stdout is not a terminal.
    static func window() -> (columns: Int, rows: Int, pixelWidth: Int, pixelHeight: Int)? {
        #if canImport(Glibc)
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row), Int(size.ws_xpixel), Int(size.ws_ypixel))
        #else
        return nil
        #endif
    }

    /// The lines that show `hit` under its result line: its picture, indented; nothing for a
    /// result that is not an image or whose file is not here (a server's result); a dim note
    /// when the file cannot be made into a picture.
    static func lines(for hit: SearchHit, graphics: TerminalGraphics, box: TerminalPicture.Box) -> [String] {
        guard hit.modality == .image, FileManager.default.isReadableFile(atPath: hit.path) else { return [] }
        do {
            let picture = try TerminalPicture(contentsOf: URL(fileURLWithPath: hit.path), graphics: graphics, box: box)
            return picture.lines.map { ResultLines.indent + $0 }
        } catch let error as MediaError {
            return [ResultLines.indent + "\u{1b}[2m(no preview: \(error.reason))\u{1b}[0m"]
        } catch {
            return [ResultLines.indent + "\u{1b}[2m(no preview: \(error))\u{1b}[0m"]
        }
    }
}
