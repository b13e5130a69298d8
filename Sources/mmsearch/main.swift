// Entry point: parse, run, and turn the outcome into an exit status (see `MMSearch`'s help).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

Console.start()
exit(CommandLineRunner.run(Array(CommandLine.arguments.dropFirst())))
