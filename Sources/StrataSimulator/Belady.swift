/// Belady's optimal offline policy (MIN): on a miss with a full cache, the entry whose next use
/// is farthest away leaves, unless the requested key's own next use is farther still, in which
/// case it is not cached at all (bypass). Every request counts, cold misses included.
enum Belady {
    /// The number of hits of an optimal cache of `capacity` entries on `trace`.
    static func hits(_ trace: [Int], capacity: Int) -> Int {
        precondition(capacity > 0, "capacity must be positive")
        let ids = denseIDs(trace)
        let n = ids.count
        // nextUse[i]: the position of the next request for ids[i], or Int32.max.
        var nextUse = [Int32](repeating: .max, count: n)
        var distinct = 0
        for id in ids { distinct = Swift.max(distinct, Int(id) + 1) }
        var upcoming = [Int32](repeating: .max, count: distinct)
        for position in stride(from: n - 1, through: 0, by: -1) {
            let id = Int(ids[position])
            nextUse[position] = upcoming[id]
            upcoming[id] = Int32(position)
        }
        // A max-heap of cached ids by next use, with each id's heap position.
        var heap = MaxHeap(capacity: capacity, distinctKeys: distinct)
        var hits = 0
        for position in 0..<n {
            let id = Int(ids[position])
            let next = nextUse[position]
            if heap.contains(id) {
                hits += 1
                heap.update(id, priority: next)
            } else if heap.count < capacity {
                heap.insert(id, priority: next)
            } else if next < heap.maxPriority {
                heap.replaceMax(with: id, priority: next)
            }
        }
        return hits
    }

    /// Renames keys to 0, 1, 2... in order of first appearance.
    static func denseIDs(_ trace: [Int]) -> [Int32] {
        var names: [Int: Int32] = [:]
        var ids = [Int32]()
        ids.reserveCapacity(trace.count)
        for key in trace {
            let fresh = Int32(names.count)
            let id = names[key, default: fresh]
            if id == fresh { names[key] = fresh }
            ids.append(id)
        }
        return ids
    }
}

/// A binary max-heap of ids with priorities and a position index, for ``Belady``.
private struct MaxHeap {
    private var ids: [Int32] = []
    private var priorities: [Int32] = []
    /// Heap position of each id, or -1.
    private var positions: [Int32]

    init(capacity: Int, distinctKeys: Int) {
        ids.reserveCapacity(capacity)
        priorities.reserveCapacity(capacity)
        positions = [Int32](repeating: -1, count: distinctKeys)
    }

    var count: Int { ids.count }
    var maxPriority: Int32 { priorities[0] }

    func contains(_ id: Int) -> Bool { positions[id] >= 0 }

    mutating func insert(_ id: Int, priority: Int32) {
        ids.append(Int32(id))
        priorities.append(priority)
        positions[id] = Int32(ids.count - 1)
        siftUp(ids.count - 1)
    }

    mutating func update(_ id: Int, priority: Int32) {
        let position = Int(positions[id])
        let old = priorities[position]
        priorities[position] = priority
        if priority > old { siftUp(position) } else { siftDown(position) }
    }

    mutating func replaceMax(with id: Int, priority: Int32) {
        positions[Int(ids[0])] = -1
        ids[0] = Int32(id)
        priorities[0] = priority
        positions[id] = 0
        siftDown(0)
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        ids.swapAt(a, b)
        priorities.swapAt(a, b)
        positions[Int(ids[a])] = Int32(a)
        positions[Int(ids[b])] = Int32(b)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard priorities[child] > priorities[parent] else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < ids.count else { return }
            var largest = left
            if left + 1 < ids.count && priorities[left + 1] > priorities[left] { largest = left + 1 }
            guard priorities[largest] > priorities[parent] else { return }
            swapAt(largest, parent)
            parent = largest
        }
    }
}
