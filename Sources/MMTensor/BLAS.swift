import CBLAS
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Matrix products through OpenBLAS. All matrices are row-major `Float`.
///
/// Threads are ours, not OpenBLAS's: OpenBLAS always runs one thread per call, and a product
/// worth splitting is cut into column (or row) blocks that `threads` workers take from a shared
/// counter. OpenBLAS's own threads wait for each other at every step, so one preempted thread
/// (a busy machine, other work of the process) stalls the whole product; blocks taken on demand
/// keep every core busy whatever the others do. Each element of the result is computed by the
/// same kernel over the same `k` values as in one call.
public enum BLAS {
    private static let openBLASSingleThreaded: Void = { openblas_set_num_threads(1) }()

    /// Threads one product may use in the current operation: 1 unless the caller said otherwise
    /// with `withThreads`. The caller that knows the whole operation decides: an index run
    /// already keeps every core busy with one encoder call per worker (1 each); a single query
    /// may give its products every core. Bound to the calling thread (and task), never global,
    /// so two operations in one process never change each other's setting.
    @TaskLocal public static var threads: Int = 1

    /// Runs `body` with products that may use `count` threads (at least 1).
    public static func withThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        try $threads.withValue(max(1, count), operation: body)
    }

    /// Products below this many multiply-adds run in one call: splitting costs more than it saves.
    static let splitThreshold = 1 << 21

    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `m×k` and `op(B)` is `k×n`.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored. `threads` overrides
    /// `BLAS.threads` for this product.
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int? = nil
    ) {
        _ = openBLASSingleThreaded
        let threads = max(1, threads ?? self.threads)
        let product = Product(transA: transA, transB: transB, k: k, alpha: alpha, lda: lda, ldb: ldb,
                              beta: beta, ldc: ldc)
        // Split the longer side of C; column blocks are multiples of 16 (the kernels' width).
        let splitColumns = n >= m
        let extent = splitColumns ? n : m
        let (block, blocks) = blocking(extent: extent, granule: splitColumns ? 16 : 4, threads: threads,
                                       work: m * n * k)
        guard blocks > 1 else { return product.run(m: m, n: n, a: a, b: b, c: c) }
        let (aAddress, bAddress, cAddress) = (UInt(bitPattern: a), UInt(bitPattern: b), UInt(bitPattern: c))
        forEachBlock(blocks, threads: threads) { index in
            let a = UnsafePointer<Float>(bitPattern: aAddress)!
            let b = UnsafePointer<Float>(bitPattern: bAddress)!
            let c = UnsafeMutablePointer<Float>(bitPattern: cAddress)!
            let start = index * block, count = min(block, extent - start)
            if splitColumns {
                // Columns of op(B): rows of B when transposed, columns otherwise.
                product.run(m: m, n: count, a: a, b: b + (transB ? start * ldb : start), c: c + start)
            } else {
                // Rows of op(A): columns of A when transposed, rows otherwise.
                product.run(m: count, n: n, a: a + (transA ? start : start * lda), b: b, c: c + start * ldc)
            }
        }
    }

    /// How a product splits `extent` (rows, columns or panels) across `threads`: into blocks of
    /// `size` (a multiple of `granule`), a few per thread so that a slow
    /// thread's share is picked up by the others; one block when there is one thread or the
    /// product (`work` multiply-adds) is below `splitThreshold`.
    static func blocking(extent: Int, granule: Int, threads: Int, work: Int) -> (size: Int, count: Int) {
        guard threads > 1, work >= splitThreshold, extent > 0 else { return (extent, 1) }
        let wanted = min(4 * threads, max(1, extent / (2 * granule)))
        let size = ((extent + wanted - 1) / wanted + granule - 1) / granule * granule
        return (size, (extent + size - 1) / size)
    }

    /// Runs `body` for every block index in `0..<blocks` on up to `threads` threads, each taking
    /// the next index from a shared counter, so a thread that is slowed down (a busy machine)
    /// takes fewer blocks instead of holding the others up.
    static func forEachBlock(_ blocks: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        guard threads > 1, blocks > 1 else {
            for index in 0..<blocks { body(index) }
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(threads, blocks)) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < blocks else { return }
                body(index)
            }
        }
    }

    /// One OpenBLAS call's fixed arguments.
    private struct Product: Sendable {
        let transA: Bool, transB: Bool
        let k: Int
        let alpha: Float
        let lda: Int, ldb: Int
        let beta: Float
        let ldc: Int

        func run(m: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
            cblas_sgemm(CblasRowMajor,
                        transA ? CblasTrans : CblasNoTrans,
                        transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k),
                        alpha, a, Int32(lda), b, Int32(ldb),
                        beta, c, Int32(ldc))
        }
    }
}
