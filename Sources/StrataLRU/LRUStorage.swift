/// The single-threaded engine of ``LRUCache``: contiguous nodes linked by `Int32` indices, and
/// a dictionary from key to node index.
///
/// Storage stays dense: a removed node's slot is filled by the last node, so there are no
/// holes, no optional payloads, and a removed value is released at once. A hit moves one node
/// to the front by rewriting a few indices; it never allocates.
@usableFromInline
struct LRUStorage<Key: Hashable, Value> {
    @usableFromInline
    struct Node {
        @usableFromInline var key: Key
        @usableFromInline var value: Value
        @usableFromInline var prev: Int32
        @usableFromInline var next: Int32

        @inlinable
        init(key: Key, value: Value, prev: Int32, next: Int32) {
            self.key = key
            self.value = value
            self.prev = prev
            self.next = next
        }
    }

    @usableFromInline private(set) var nodes: ContiguousArray<Node> = []
    @usableFromInline var index: [Key: Int32] = [:]
    /// Each node's cost, parallel to `nodes`; empty when the cache has no weigher.
    @usableFromInline var costs: [Int] = []
    /// Most recently used.
    @usableFromInline var head: Int32 = -1
    /// Least recently used: the next victim.
    @usableFromInline var tail: Int32 = -1
    @usableFromInline private(set) var totalCost = 0
    @usableFromInline let capacity: Int
    @usableFromInline let maxCost: Int
    @usableFromInline let weighs: Bool

    @usableFromInline var hits = 0
    @usableFromInline var misses = 0
    @usableFromInline var evictions = 0

    @usableFromInline
    init(capacity: Int, maxCost: Int?) {
        precondition(capacity > 0, "capacity must be positive")
        precondition(capacity < Int(Int32.max), "capacity must fit in Int32")
        self.capacity = capacity
        self.maxCost = maxCost ?? .max
        weighs = maxCost != nil
        nodes.reserveCapacity(capacity)
        index.reserveCapacity(capacity)
        if weighs { costs.reserveCapacity(capacity) }
    }

    @inlinable var count: Int { nodes.count }

    /// The value for `key`, moved to the front; counts a hit or a miss.
    @inlinable
    mutating func get(_ key: Key) -> Value? {
        guard let slot = index[key] else {
            misses &+= 1
            return nil
        }
        hits &+= 1
        moveToFront(slot)
        return nodes[Int(slot)].value
    }

    /// The value for `key`, without side effects.
    @inlinable
    func peek(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        return nodes[Int(slot)].value
    }

    /// Inserts or replaces; appends the entries it evicts to `evicted`.
    @inlinable
    mutating func set(_ key: Key, _ value: Value, cost: Int, evicted: inout Evicted<Key, Value>) {
        // One probe of the index both finds an existing entry and claims a slot for a new one:
        // the least recently used slot when full, else the next free one.
        let full = nodes.count == capacity
        let claimed = full ? tail : Int32(nodes.count)
        if let slot = index.updateValue(claimed, forKey: key) {
            // Already present (the rarer case for a cache): give the key its slot back.
            index[key] = slot
            nodes[Int(slot)].value = value
            if weighs {
                totalCost += cost - costs[Int(slot)]
                costs[Int(slot)] = cost
            }
            moveToFront(slot)
        } else if full {
            // Recycle the least recently used slot for the new entry.
            unlink(claimed)
            var old = Node(key: key, value: value, prev: -1, next: -1)
            swap(&old, &nodes[Int(claimed)])
            index[old.key] = nil
            if weighs {
                totalCost += cost - costs[Int(claimed)]
                costs[Int(claimed)] = cost
            }
            pushFront(claimed)
            evictions &+= 1
            evicted.append(old.key, old.value)
        } else {
            nodes.append(Node(key: key, value: value, prev: -1, next: -1))
            if weighs {
                costs.append(cost)
                totalCost += cost
            }
            pushFront(claimed)
        }
        // Over the cost bound: evict from the cold end, but never the entry just written.
        while totalCost > maxCost && nodes.count > 1 {
            let entry = removeSlot(tail)
            evictions &+= 1
            evicted.append(entry.key, entry.value)
        }
    }

    /// Removes `key`; returns its value.
    @inlinable
    mutating func remove(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        return removeSlot(slot).value
    }

    @usableFromInline
    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        costs.removeAll(keepingCapacity: true)
        head = -1
        tail = -1
        totalCost = 0
    }

    /// Keys from most to least recently used (for tests and debugging).
    @usableFromInline
    func keysByRecency() -> [Key] {
        var keys: [Key] = []
        var slot = head
        while slot >= 0 {
            keys.append(nodes[Int(slot)].key)
            slot = nodes[Int(slot)].next
        }
        return keys
    }

    /// Removes the node at `slot`, moving the last node into its place to keep storage dense.
    @inlinable
    mutating func removeSlot(_ slot: Int32) -> Node {
        unlink(slot)
        let removed = nodes[Int(slot)]
        index[removed.key] = nil
        if weighs { totalCost -= costs[Int(slot)] }
        let last = Int32(nodes.count - 1)
        if slot != last {
            let moved = nodes[Int(last)]
            nodes[Int(slot)] = moved
            index[moved.key] = slot
            if weighs { costs[Int(slot)] = costs[Int(last)] }
            if moved.prev >= 0 { nodes[Int(moved.prev)].next = slot } else { head = slot }
            if moved.next >= 0 { nodes[Int(moved.next)].prev = slot } else { tail = slot }
        }
        nodes.removeLast()
        if weighs { costs.removeLast() }
        return removed
    }

    @inlinable
    mutating func moveToFront(_ slot: Int32) {
        guard slot != head else { return }
        unlink(slot)
        pushFront(slot)
    }

    @inlinable
    mutating func unlink(_ slot: Int32) {
        let prev = nodes[Int(slot)].prev
        let next = nodes[Int(slot)].next
        if prev >= 0 { nodes[Int(prev)].next = next } else { head = next }
        if next >= 0 { nodes[Int(next)].prev = prev } else { tail = prev }
    }

    @inlinable
    mutating func pushFront(_ slot: Int32) {
        nodes[Int(slot)].prev = -1
        nodes[Int(slot)].next = head
        if head >= 0 { nodes[Int(head)].prev = slot } else { tail = slot }
        head = slot
    }
}

/// The entries one operation evicted, carried out of the lock so listeners run unlocked.
/// Holds one entry inline; only a cost-bound eviction of several entries allocates.
@usableFromInline
struct Evicted<Key, Value> {
    @usableFromInline var first: (Key, Value)?
    @usableFromInline var rest: [(Key, Value)] = []

    @inlinable
    init() {}

    @inlinable
    mutating func append(_ key: Key, _ value: Value) {
        if first == nil {
            first = (key, value)
        } else {
            rest.append((key, value))
        }
    }

    @inlinable var isEmpty: Bool { first == nil }

    /// Hands each entry to the caller's closure, then to the cache's listener, if any.
    @inlinable
    func deliver(to caller: (Key, Value) -> Void, listener: ((Key, Value) -> Void)?) {
        guard let first else { return }
        caller(first.0, first.1)
        listener?(first.0, first.1)
        for (key, value) in rest {
            caller(key, value)
            listener?(key, value)
        }
    }
}
