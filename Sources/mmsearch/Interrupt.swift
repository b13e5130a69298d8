import Dispatch
import Foundation
import MMSearchKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the first Ctrl-C into a cancellation request, so an index run stops after
/// committing what it has; a second Ctrl-C ends the process at once.
final class InterruptHandler {
    let flag = CancellationFlag()
    private let source: DispatchSourceSignal

    init() {
        let flag = self.flag
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            flag.cancel()
            signal(SIGINT, SIG_DFL)
        }
        source.resume()
    }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
