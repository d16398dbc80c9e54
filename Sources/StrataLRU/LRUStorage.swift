import StrataCache

/// The single-threaded engine of ``LRUCache``: contiguous nodes linked by `Int32` indices, and
/// an open-addressing hash table from key to node index.
///
/// Storage stays dense: a removed node's slot is filled by the last node, so there are no
/// holes, no optional payloads, and a removed value is released at once. A hit moves one node
/// to the front by rewriting a few indices; it never allocates.
///
/// The index is a private hash table (see `LRUStorage+HashTable.swift`), not a `Dictionary`:
/// it grows with the entries up to its size for `capacity`, its entries carry their keys' hashes so probing and
/// deletion do not visit the nodes, and each node's hash is kept (in `hashes`), so an eviction
/// deletes the old key without hashing it again and recycles the old node in place.
///
/// Every buffer is owned by this non-copyable value (which frees it in `deinit`), so no access
/// pays for a uniqueness check. The buffers start small and double as entries arrive, up to
/// `capacity`, so a cache bounded generously costs memory for what it holds, not for its bound;
/// once full, nothing is allocated again. Table positions are
/// always masked into range; node indices come from the table and the links, which the tests
/// check against every invariant (`LRUStorage+Testing.swift`).
@usableFromInline
struct LRUStorage<Key: Hashable, Value>: ~Copyable {
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

    /// Room for `nodeCapacity` nodes; the first `count` are initialized.
    @usableFromInline var nodes: UnsafeMutablePointer<Node>
    /// Each node's key hash (the low 32 bits of `hashValue`), parallel to `nodes`: finds a
    /// node's table entry without hashing its key again.
    @usableFromInline var hashes: UnsafeMutablePointer<UInt32>
    /// How many nodes `nodes` and `hashes` have room for: at most `capacity`.
    @usableFromInline var nodeCapacity: Int
    /// The hash table: `tableMask + 1` entries, each a node's hash and index, or `emptyEntry`.
    /// It starts small and doubles as entries arrive, up to its size for `capacity` entries,
    /// so a large cache that holds few entries does not hold a large table.
    @usableFromInline var table: UnsafeMutablePointer<UInt64>
    @usableFromInline var tableMask: Int
    /// How many entries the table takes before it doubles (`.max` once it has its final size).
    @usableFromInline var tableGrowsAt: Int
    /// The table's size for `capacity` entries.
    @usableFromInline let finalTablePositions: Int
    /// Each node's cost, parallel to `nodes`; empty when the cache has no weigher.
    @usableFromInline var costs: [Int] = []
    @usableFromInline private(set) var count = 0
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
    @usableFromInline var expirations = 0

    /// The deadlines of expiring values, by node index (see `LRUStorage+Expiry.swift`); empty
    /// unless a TTL layer keeps its expiry here.
    @usableFromInline var schedule = ExpiryHeap<Int32>()
    /// One bit per node, for compacting `schedule`: allocated at the first compaction.
    @usableFromInline var scheduleMarks: [UInt64] = []

    @usableFromInline
    init(capacity: Int, maxCost: Int?) {
        precondition(capacity > 0, "capacity must be positive")
        precondition(capacity < Int(Int32.max), "capacity must fit in Int32")
        self.capacity = capacity
        self.maxCost = maxCost ?? .max
        weighs = maxCost != nil
        nodeCapacity = Swift.min(capacity, Self.initialNodeCapacity)
        nodes = .allocate(capacity: nodeCapacity)
        hashes = .allocate(capacity: nodeCapacity)
        if weighs { costs.reserveCapacity(nodeCapacity) }
        finalTablePositions = Self.tablePositions(forCapacity: capacity)
        let positions = Swift.min(finalTablePositions, Self.initialTablePositions)
        table = .allocate(capacity: positions)
        table.initialize(repeating: Self.emptyEntry, count: positions)
        tableMask = positions - 1
        tableGrowsAt = Self.growthThreshold(positions: positions, final: finalTablePositions)
    }

    deinit {
        nodes.deinitialize(count: count)
        nodes.deallocate()
        hashes.deallocate()
        table.deallocate()
    }

    /// The value for `key`, moved to the front; counts a hit or a miss.
    @inlinable
    mutating func get(_ key: Key) -> Value? {
        get(key, hash: Self.hash(key))
    }

    /// The value for `key`, whose hash (`Self.hash(key)`) the caller computed.
    @inlinable
    mutating func get(_ key: Key, hash: UInt32) -> Value? {
        guard let slot = hitSlot(key, hash: hash) else { return nil }
        return nodes[Int(slot)].value
    }

    /// What `body` reads from the value for `key`, which it borrows in place, marked most
    /// recently used; counts a hit or a miss. `nil` when absent.
    @inlinable
    mutating func get<Result: Sendable>(
        _ key: Key, hash: UInt32, reading body: @Sendable (borrowing Value) -> Result
    ) -> Result? {
        guard let slot = hitSlot(key, hash: hash) else { return nil }
        return body(nodes[Int(slot)].value)
    }

    /// The node of `key`, moved to the front, counting a hit; `nil` (a miss, counted) if absent.
    @inlinable @inline(__always)
    mutating func hitSlot(_ key: Key, hash: UInt32) -> Int32? {
        let slot = find(key, hash: hash)
        guard slot >= 0 else {
            misses &+= 1
            return nil
        }
        hits &+= 1
        moveToFront(slot)
        return slot
    }

    /// The value for `key`, without side effects.
    @inlinable
    func peek(_ key: Key) -> Value? {
        peek(key, hash: Self.hash(key))
    }

    @inlinable
    func peek(_ key: Key, hash: UInt32) -> Value? {
        let slot = find(key, hash: hash)
        guard slot >= 0 else { return nil }
        return nodes[Int(slot)].value
    }

    /// Inserts or replaces; appends the entries it evicts to `evicted`.
    @inlinable
    mutating func set(_ key: Key, _ value: Value, cost: Int, evicted: inout Evicted<Key, Value>) {
        set(key, value, hash: Self.hash(key), cost: cost, evicted: &evicted)
    }

    @inlinable @inline(__always)
    mutating func set(_ key: Key, _ value: Value, hash: UInt32, cost: Int, evicted: inout Evicted<Key, Value>) {
        place(key, value, hash: hash, cost: cost, evicted: &evicted)
        // Over the cost bound: evict from the cold end, but never the entry just written.
        while totalCost > maxCost && count > 1 {
            let entry = removeSlot(tail, at: tablePosition(of: tail, hash: hashes[Int(tail)]))
            evictions &+= 1
            evicted.append(entry.key, entry.value)
        }
    }

    /// Inserts or replaces `key` as the most recently used entry, recycling the least recently
    /// used node when the storage is full (appended to `evicted`); returns the entry's node
    /// index. The caller enforces the cost bound.
    @inlinable @discardableResult
    mutating func place(
        _ key: Key,
        _ value: Value,
        hash: UInt32,
        cost: Int,
        evicted: inout Evicted<Key, Value>
    ) -> Int32 {
        let (position, slot) = probe(key, hash: hash)
        if slot >= 0 {
            // Already present (the rarer case for a cache).
            nodes[Int(slot)].value = value
            if weighs {
                totalCost += cost - costs[Int(slot)]
                costs[Int(slot)] = cost
            }
            moveToFront(slot)
            return slot
        } else if count == capacity {
            // Recycle the least recently used node, in place, for the new entry.
            let victim = tail
            unlink(victim)
            let hole = tableRemove(at: tablePosition(of: victim, hash: hashes[Int(victim)]))
            let old = (nodes + Int(victim)).move()
            (nodes + Int(victim)).initialize(to: Node(key: key, value: value, prev: -1, next: -1))
            hashes[Int(victim)] = hash
            // The removal leaves one new empty position; if it lies in the new key's probe
            // run, before the empty position found above, the key goes there instead.
            let home = Int(hash) & tableMask
            let target = (hole &- home) & tableMask < (position &- home) & tableMask ? hole : position
            table[target] = Self.entry(hash: hash, slot: victim)
            if weighs {
                totalCost += cost - costs[Int(victim)]
                costs[Int(victim)] = cost
            }
            pushFront(victim)
            evictions &+= 1
            evicted.append(old.key, old.value)
            return victim
        } else {
            var position = position
            if count == nodeCapacity { growNodes() }
            if count >= tableGrowsAt {
                growTable()
                position = probe(key, hash: hash).position
            }
            let slot = Int32(count)
            (nodes + count).initialize(to: Node(key: key, value: value, prev: -1, next: -1))
            hashes[count] = hash
            count += 1
            table[position] = Self.entry(hash: hash, slot: slot)
            if weighs {
                costs.append(cost)
                totalCost += cost
            }
            pushFront(slot)
            return slot
        }
    }

    /// Removes `key`; returns its value.
    @inlinable
    mutating func remove(_ key: Key) -> Value? {
        remove(key, hash: Self.hash(key))
    }

    @inlinable
    mutating func remove(_ key: Key, hash: UInt32) -> Value? {
        let (position, slot) = probe(key, hash: hash)
        guard slot >= 0 else { return nil }
        return removeSlot(slot, at: position).value
    }

    @usableFromInline
    mutating func removeAll() {
        nodes.deinitialize(count: count)
        count = 0
        table.update(repeating: Self.emptyEntry, count: tableMask + 1)
        costs.removeAll(keepingCapacity: true)
        head = -1
        tail = -1
        totalCost = 0
        schedule.removeAll()
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

    /// Removes the node at `slot`, whose table entry is at `position`, moving the last node
    /// into its place to keep storage dense.
    @inlinable
    mutating func removeSlot(_ slot: Int32, at position: Int) -> Node {
        unlink(slot)
        tableRemove(at: position)
        if weighs { totalCost -= costs[Int(slot)] }
        let removed = (nodes + Int(slot)).move()
        count -= 1
        let last = Int32(count)
        if slot != last {
            let hash = hashes[Int(last)]
            table[tablePosition(of: last, hash: hash)] = Self.entry(hash: hash, slot: slot)
            hashes[Int(slot)] = hash
            if weighs { costs[Int(slot)] = costs[Int(last)] }
            (nodes + Int(slot)).moveInitialize(from: nodes + Int(last), count: 1)
            let prev = nodes[Int(slot)].prev
            let next = nodes[Int(slot)].next
            if prev >= 0 { nodes[Int(prev)].next = slot } else { head = slot }
            if next >= 0 { nodes[Int(next)].prev = slot } else { tail = slot }
        }
        if weighs { costs.removeLast() }
        return removed
    }

    /// The room for nodes before any entry arrives, when `capacity` is larger.
    @inlinable static var initialNodeCapacity: Int { 1024 }

    /// Doubles the room for nodes (up to `capacity`), moving them; their indices do not change.
    @usableFromInline
    mutating func growNodes() {
        let grown = Swift.min(capacity, nodeCapacity * 2)
        let newNodes = UnsafeMutablePointer<Node>.allocate(capacity: grown)
        newNodes.moveInitialize(from: nodes, count: count)
        nodes.deallocate()
        nodes = newNodes
        let newHashes = UnsafeMutablePointer<UInt32>.allocate(capacity: grown)
        newHashes.initialize(from: hashes, count: count)
        hashes.deallocate()
        hashes = newHashes
        nodeCapacity = grown
        if weighs { costs.reserveCapacity(grown) }
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
/// Holds one entry inline; only a cost-bound eviction of several entries allocates (and only
/// then is there an array to release).
@usableFromInline
struct Evicted<Key, Value> {
    @usableFromInline var first: (Key, Value)?
    @usableFromInline var rest: [(Key, Value)]?

    @inlinable
    init() {}

    @inlinable @inline(__always)
    mutating func append(_ key: Key, _ value: Value) {
        if first == nil {
            first = (key, value)
        } else if rest == nil {
            rest = [(key, value)]
        } else {
            rest!.append((key, value))
        }
    }

    @inlinable var isEmpty: Bool { first == nil }

    /// Hands each entry to the caller's closure, then to the cache's listener, if any.
    @inlinable @inline(__always)
    func deliver(to caller: (Key, Value) -> Void, listener: ((Key, Value) -> Void)?) {
        guard let first else { return }
        caller(first.0, first.1)
        listener?(first.0, first.1)
        guard let rest else { return }
        for (key, value) in rest {
            caller(key, value)
            listener?(key, value)
        }
    }
}
