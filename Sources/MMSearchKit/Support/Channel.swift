import Foundation

/// An unbounded first-in first-out queue between threads; `receive` waits for an item.
final class Channel<Element: Sendable>: @unchecked Sendable {
    // `items` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0

    func send(_ item: Element) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// Waits until an item is there and takes it.
    func receive() -> Element {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count { condition.wait() }
        return take()
    }

    /// Waits at most until `deadline`; nil when nothing came.
    func receive(before deadline: Date) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count {
            if !condition.wait(until: deadline) { return nil }
        }
        return take()
    }

    /// Takes the first item; `condition` must be locked and an item present.
    private func take() -> Element {
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }
}
