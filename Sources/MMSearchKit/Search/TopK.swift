/// Keeps the `k` best (row, score) pairs seen, in a binary min-heap whose root is the worst
/// kept pair. Higher scores are better; among equal scores the lower row wins, so results are
/// deterministic.
package struct TopK: Sendable {
    package struct Entry: Equatable, Sendable {
        package let row: Int
        package let score: Float
    }

    package let k: Int
    private var heap: [Entry] = []

    package init(k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(self.k)
    }

    /// True when `a` ranks below `b`.
    @inline(__always)
    private static func worse(_ a: Entry, _ b: Entry) -> Bool {
        a.score < b.score || (a.score == b.score && a.row > b.row)
    }

    /// The score a new entry must beat to get in, once the heap is full.
    package var threshold: Float { heap.count < k ? -.infinity : heap[0].score }

    package mutating func insert(row: Int, score: Float) {
        let entry = Entry(row: row, score: score)
        if heap.count < k {
            heap.append(entry)
            siftUp(heap.count - 1)
        } else if k > 0, Self.worse(heap[0], entry) {
            heap[0] = entry
            siftDown(0)
        }
    }

    /// Adds the entries of `other`.
    package mutating func merge(_ other: TopK) {
        for entry in other.heap { insert(row: entry.row, score: entry.score) }
    }

    /// Number of kept entries.
    package var count: Int { heap.count }

    /// The kept entries, best first.
    package func sorted() -> [Entry] {
        heap.sorted { Self.worse($1, $0) }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.worse(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var worst = left
            let right = left + 1
            if right < heap.count, Self.worse(heap[right], heap[left]) { worst = right }
            guard Self.worse(heap[worst], heap[parent]) else { return }
            heap.swapAt(worst, parent)
            parent = worst
        }
    }
}
