/// What a timer does when it fires.
enum TimerAction {
    /// Run the command a client's injected latency held back.
    case resumeDelayed(client: Int, generation: Int)
    /// A client's held-back output may go out (reply latency).
    case releaseOutput(client: Int)
    /// A BLPOP/BRPOP timeout.
    case blockTimeout(client: Int, generation: Int)
    /// A CLIENT PAUSE's timeout.
    case endPause(generation: Int)
    /// The active expiry cycle (ten times a second, like Redis' `hz 10`).
    case activeExpire
    /// Try to listen again after a refusal fault was cleared and the port was busy.
    case rebindListener
}

/// Timers ordered by deadline (monotonic nanoseconds): a binary min-heap. Cancelled timers are
/// not removed; their actions carry a generation that no longer matches when they fire.
struct TimerHeap {
    private struct Entry {
        var deadline: UInt64
        var sequence: Int
        var action: TimerAction

        func precedes(_ other: Entry) -> Bool {
            deadline < other.deadline || (deadline == other.deadline && sequence < other.sequence)
        }
    }

    private var heap: [Entry] = []
    private var sequence = 0

    var isEmpty: Bool { heap.isEmpty }
    var nextDeadline: UInt64? { heap.first?.deadline }

    mutating func schedule(at deadline: UInt64, _ action: TimerAction) {
        sequence += 1
        heap.append(Entry(deadline: deadline, sequence: sequence, action: action))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    mutating func popDue(now: UInt64) -> TimerAction? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let left = 2 * i + 1
                let right = left + 1
                var smallest = i
                if left < heap.count && heap[left].precedes(heap[smallest]) { smallest = left }
                if right < heap.count && heap[right].precedes(heap[smallest]) { smallest = right }
                if smallest == i { break }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        return first.action
    }
}
