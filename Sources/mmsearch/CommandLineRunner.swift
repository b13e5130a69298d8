import ArgumentParser
import MMBuiltins
import MMSearchKit

/// Runs one command line and decides the exit status.
///
/// ArgumentParser's own usage errors would exit 64; mmsearch documents 2 for every usage
/// error, so parsing and running are kept apart here.
enum CommandLineRunner {
    static func run(_ arguments: [String]) -> Int32 {
        var command: ParsableCommand
        do {
            command = try MMSearch.parseAsRoot(rewritingOperators(arguments))
        } catch {
            return reportParseError(error)
        }
        do {
            // The program's own data (the table of packs) comes first: without it, nothing works.
            if case .failure(let error) = BuiltinPacks.table { throw error }
            try command.run()
            return ExitStatus.success
        } catch let error as MMSearchError {
            Console.error("error: " + Advice.message(for: error))
            return ExitStatus.for(error.kind)
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            return reportParseError(error)
        }
    }

    /// rclip's spelling on the command line: in `mmsearch query …`, a lone `+` before a term
    /// means `--add`, a lone `-` means `--subtract` (not after `--`). Other command lines are
    /// returned unchanged.
    static func rewritingOperators(_ arguments: [String]) -> [String] {
        guard arguments.first == "query" else { return arguments }
        var out: [String] = []
        var literal = false
        for argument in arguments {
            switch argument {
            case _ where literal: out.append(argument)
            case "--":
                literal = true
                out.append(argument)
            case "+": out.append("--add")
            case "-": out.append("--subtract")
            default: out.append(argument)
            }
        }
        return out
    }

    /// Help and version requests print to stdout and succeed; anything else is a usage error.
    private static func reportParseError(_ error: Error) -> Int32 {
        let message = MMSearch.fullMessage(for: error)
        if MMSearch.exitCode(for: error) == .success {
            if !message.isEmpty { print(message) }
            return ExitStatus.success
        }
        Console.error(message)
        return ExitStatus.usage
    }
}

/// What the command line adds to a library error: which command or flag gets the user on.
enum Advice {
    /// `error`'s message, with the command line's advice where there is some.
    static func message(for error: MMSearchError) -> String {
        switch error.reason {
        case .modelFolder?:
            // The folder was named by --model-dir.
            return "--model-dir " + error.message
        case .modelFolderWithoutPack?:
            return error.message + ": --model-dir needs --model PACK to say what the folder holds"
        default:
            return error.message + (advice(for: error) ?? "")
        }
    }

    static func advice(for error: MMSearchError) -> String? {
        switch error.reason {
        case .indexMissing?:
            return ": run `mmsearch index FOLDER` first (or pass --index DIR)"
        case .indexTooNew?:
            return ": upgrade mmsearch or use another --index"
        case .indexNeedsUpgrade?:
            return ": run `mmsearch index` once to upgrade it"
        case .indexDamaged?:
            return "; run `mmsearch repair` (`mmsearch check` lists what is wrong)"
        case .spaceMismatch(let index, let encoder)? where index.name == encoder.name && index.dimension != encoder.dimension:
            return ": the index holds \(index.dimension)-d vectors and the \(encoder.name) encoder makes "
                + "\(encoder.dimension)-d ones; `mmsearch index --model \(encoder.name) FOLDER` builds a space for it "
                + "beside the old one (see `mmsearch spaces`)"
        case .spaceMismatch(let index, let encoder)?:
            return index.name == encoder.name
                ? ": the \(index.name) weights changed since the index was built; `mmsearch index --model "
                    + "\(encoder.name) FOLDER` builds a space for them beside the old one (see `mmsearch spaces`)"
                : ": pick --model \(index.name), or build \(encoder.name)'s space beside it with `mmsearch index "
                    + "--model \(encoder.name) FOLDER` (see `mmsearch spaces`)"
        case .noLabels?:
            return ": --labels \"cat,dog\" or --labels-file FILE"
        case .unknownLabel(let known)? where known.isEmpty:
            return ": run `mmsearch label --all --labels \"…\"` first"
        case .indexLocked?, .unknownPack?, .unknownLabel?, .modelFolder?, .modelFolderWithoutPack?, nil:
            return nil
        }
    }
}

/// The exit statuses `mmsearch --help` documents.
enum ExitStatus {
    static let success: Int32 = 0
    static let someFailed: Int32 = 1
    static let usage: Int32 = 2
    static let fatal: Int32 = 3
    static let interrupted: Int32 = 130

    static func `for`(_ kind: MMSearchError.Kind) -> Int32 {
        switch kind {
        case .usage: usage
        case .inputFailed: someFailed
        case .fatal: fatal
        }
    }
}
