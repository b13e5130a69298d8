/// Reusable work buffers for one forward pass, or for a batch of them: slot `i` keeps its memory
/// between calls and only grows, so a batch of images or sentences allocates once.
///
/// Not thread-safe: give each concurrent caller its own arena.
public final class ScratchArena {
    private var slots: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []

    public init() {}

    deinit {
        for slot in slots { slot.pointer.deallocate() }
    }

    /// A buffer of at least `count` floats for `slot`. Its contents are unspecified; pointers
    /// from earlier calls for the same slot are invalid once it grows.
    public func buffer(_ slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while slots.count <= slot {
            slots.append((UnsafeMutablePointer<Float>.allocate(capacity: 1), 1))
        }
        if slots[slot].capacity < count {
            slots[slot].pointer.deallocate()
            // Grow by half again so slowly growing requests do not reallocate every time.
            let capacity = max(count, slots[slot].capacity + slots[slot].capacity / 2)
            slots[slot] = (UnsafeMutablePointer<Float>.allocate(capacity: capacity), capacity)
        }
        return slots[slot].pointer
    }

    /// Total floats held.
    public var capacity: Int { slots.reduce(0) { $0 + $1.capacity } }
}
