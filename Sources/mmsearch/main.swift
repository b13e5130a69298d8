// Entry point: parse, run, and turn the outcome into an exit status (see `MMSearch`'s help).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
// Decoded photos, resized copies and activations (megabytes each) come and go with every file.
// glibc maps such blocks afresh and unmaps them when freed, so the kernel zeroes every page
// again for the next file; kept in the heap instead, an index run of 200 photos took 10 % less
// time (Scripts/bench/index.sh, 2.68 -> 2.41 s) at the same peak memory (314 MB). `mallopt` and
// its parameter numbers (malloc.h: M_TRIM_THRESHOLD -1, M_TOP_PAD -2, M_MMAP_THRESHOLD -3) are
// glibc's stable ABI; Swift's Glibc module does not import malloc.h.
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(-3, 64 << 20)   // M_MMAP_THRESHOLD: blocks below 64 MiB come from the heap
    _ = mallopt(-1, 256 << 20)  // M_TRIM_THRESHOLD: keep up to 256 MiB of freed heap
    _ = mallopt(-2, 64 << 20)   // M_TOP_PAD: grow the heap 64 MiB at a time
}
#endif

Console.start()
exit(CommandLineRunner.run(Array(CommandLine.arguments.dropFirst())))
