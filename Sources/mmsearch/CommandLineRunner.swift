import ArgumentParser
import MMSearchKit

/// Runs one command line and decides the exit status.
///
/// ArgumentParser's own usage errors would exit 64; mmsearch documents 2 for every usage
/// error, so parsing and running are kept apart here.
enum CommandLineRunner {
    static func run(_ arguments: [String]) -> Int32 {
        var command: ParsableCommand
        do {
            command = try MMSearch.parseAsRoot(QueryExpression.rewritingOperators(arguments))
        } catch {
            return reportParseError(error)
        }
        do {
            try command.run()
            return ExitStatus.success
        } catch let error as MMSearchError {
            Console.error("error: " + error.message)
            return ExitStatus.for(error.kind)
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            return reportParseError(error)
        }
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
