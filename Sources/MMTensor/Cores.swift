import Foundation

/// How many threads mmsearch uses by default: `MMSEARCH_THREADS` when it is set to a positive
/// number (as `OMP_NUM_THREADS` is for OpenMP programs: to share a machine, or to reproduce a
/// run on a machine of another size), else the cores this process may run on.
public enum Cores {
    public static let available: Int = {
        if let text = ProcessInfo.processInfo.environment["MMSEARCH_THREADS"],
           let count = Int(text.trimmingCharacters(in: .whitespaces)), count > 0 {
            return count
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}
