/// One of the numbered databases (SELECT 0...15): keys, values and expiry times.
///
/// Expiry works as in Redis: a key past its time is deleted when it is next touched (lazy), and
/// an active cycle samples keys that have an expiry and deletes the expired ones, so memory is
/// reclaimed even for keys nobody reads. The keys with an expiry are kept in an array as well, so
/// the cycle can sample them at random in O(1).
final class Database {
    struct Entry {
        var value: StoredValue
        /// Unix time in milliseconds, or 0 for no expiry.
        var expireAt: Int
        /// The entry's position in ``Database/expiring``, or -1.
        var expirePosition: Int
    }

    /// What OBJECT reports about a key, kept beside the entries (by slot) so the entries stay
    /// small: copying a larger entry on every lookup cost about a tenth of GET's instructions.
    struct Bookkeeping {
        /// When the key was last read or written (Unix ms): OBJECT IDLETIME.
        var accessed: Int
        /// The minute the LFU counter was last decayed.
        var frequencyMinute: Int
        /// The LFU counter (OBJECT FREQ).
        var frequency: UInt8
        /// How a string value was made, for OBJECT ENCODING (``StringEncoding``).
        var stringEncoding: StringEncoding
        /// The key's approximate size while the database is ``Database/measuring``.
        var bytes = 0
    }

    let id: Int
    /// The running command's time (Unix ms), set by the engine: new keys start accessed now.
    /// Only the engine's thread touches a database, and no access to these two overlaps another
    /// (no closure passed to the table reaches back into it), so the dynamic exclusivity checks
    /// are switched off: they cost two runtime calls per key access on the hot path.
    @exclusivity(unchecked) var now = 0
    @exclusivity(unchecked) private(set) var table = SlotTable<Entry>(keepsInsertionOrder: false)
    /// ``Bookkeeping`` by slot (slots of the keyspace table never move while a key lives).
    @exclusivity(unchecked) private var bookkeeping: [Bookkeeping] = []
    /// The slots of the keys that have an expiry.
    private(set) var expiring: [Int] = []

    /// Called with each key ``add(_:_:)`` creates, when set: the `new` keyspace event, which
    /// Redis' dbAdd publishes before the command's own event.
    @exclusivity(unchecked) var keyAdded: ((Int, Bytes) -> Void)?
    /// Deletes the expired key in a slot, with its `expired` event, before ``set(_:_:keepExpiry:)``
    /// writes over it (set by the engine).
    @exclusivity(unchecked) var expiredOnWrite: ((Database, Int) -> Void)?

    // MARK: Memory
    /// Whether each key's approximate size (``approximateSize(_:_:)``) is kept, so the total is
    /// known at once: only while `maxmemory` is set. Sizes are measured when a key is added or
    /// replaced, and again when a command signals it modified (a collection changed in place).
    @exclusivity(unchecked) private(set) var measuring = false
    /// The sum of the keys' approximate sizes while ``measuring``.
    @exclusivity(unchecked) private(set) var measuredBytes = 0

    init(id: Int) { self.id = id }

    var count: Int { table.count }
    var expiresCount: Int { expiring.count }

    @inline(__always)
    func slot(_ key: Bytes) -> Int? { table.find(key) }

    @inline(__always)
    func entry(at slot: Int) -> Entry { table.value(at: slot) }

    @inline(__always)
    func key(at slot: Int) -> Bytes { table.key(at: slot) }

    @inline(__always)
    func value(at slot: Int) -> StoredValue { table.value(at: slot).value }

    @inline(__always)
    func expireAt(_ slot: Int) -> Int { table.value(at: slot).expireAt }

    /// Adds a key that is not present; returns its slot.
    @discardableResult
    func add(_ key: Bytes, _ value: StoredValue) -> Int {
        let slot = table.insert(key, Entry(value: value, expireAt: 0, expirePosition: -1))
        let fresh = Bookkeeping(accessed: now, frequencyMinute: now / 60000, frequency: 5, stringEncoding: .fromValue)
        if slot < bookkeeping.count {
            bookkeeping[slot] = fresh
        } else {
            while bookkeeping.count < slot { bookkeeping.append(fresh) }
            bookkeeping.append(fresh)
        }
        if measuring { measure(at: slot) }
        if let keyAdded { keyAdded(id, key) }
        return slot
    }

    /// Replaces the value in a slot; the expiry stays unless `keepExpiry` is false.
    @inline(__always)
    func replace(at slot: Int, with value: StoredValue, keepExpiry: Bool) {
        if !keepExpiry { removeExpiry(at: slot) }
        table.modify(at: slot) { $0.value = value }
        bookkeeping[slot].stringEncoding = .fromValue
        if measuring { measure(at: slot) }
    }

    /// The bookkeeping of the key in a slot.
    @inline(__always)
    func bookkeeping(at slot: Int) -> Bookkeeping { bookkeeping[slot] }

    /// Changes the bookkeeping of the key in a slot (access time, LFU counter, encoding).
    @inline(__always)
    func modifyBookkeeping(at slot: Int, _ body: (inout Bookkeeping) -> Void) {
        body(&bookkeeping[slot])
    }

    /// An access to the key in a slot, now.
    @inline(__always)
    func markAccessed(at slot: Int) { bookkeeping[slot].accessed = now }

    /// Gives the key in `slot` the bookkeeping `kept` (RENAME, MOVE and COPY keep the object's).
    func keepBookkeeping(at slot: Int, _ kept: Bookkeeping) {
        let bytes = bookkeeping[slot].bytes
        bookkeeping[slot] = kept
        bookkeeping[slot].bytes = bytes
    }

    /// Sets a key's value: replaces it (dropping any expiry unless `keepExpiry`) or adds it.
    @discardableResult
    func set(_ key: Bytes, _ value: StoredValue, keepExpiry: Bool = false) -> Int {
        if let slot = table.find(key) {
            let expireAt = table.value(at: slot).expireAt
            if expireAt != 0 && expireAt <= now, let expiredOnWrite {
                // Expired: deleted (with its events), then added anew.
                expiredOnWrite(self, slot)
                return add(key, value)
            }
            replace(at: slot, with: value, keepExpiry: keepExpiry)
            return slot
        }
        return add(key, value)
    }

    /// Deletes the key in a slot and returns its entry.
    @discardableResult
    func delete(at slot: Int) -> Entry {
        if measuring { measuredBytes -= bookkeeping[slot].bytes }
        removeExpiry(at: slot)
        return table.remove(at: slot).value
    }

    /// Sets the expiry of the key in a slot (Unix milliseconds, > 0).
    func setExpiry(at slot: Int, _ time: Int) {
        let position = table.value(at: slot).expirePosition
        if position < 0 {
            table.modify(at: slot) {
                $0.expireAt = time
                $0.expirePosition = expiring.count
            }
            expiring.append(slot)
        } else {
            table.modify(at: slot) { $0.expireAt = time }
        }
    }

    /// Removes the expiry of the key in a slot; returns whether it had one.
    @discardableResult
    func removeExpiry(at slot: Int) -> Bool {
        let position = table.value(at: slot).expirePosition
        guard position >= 0 else { return false }
        let last = expiring.removeLast()
        if last != slot {
            expiring[position] = last
            table.modify(at: last) { $0.expirePosition = position }
        }
        table.modify(at: slot) {
            $0.expireAt = 0
            $0.expirePosition = -1
        }
        return true
    }

    /// A random slot among the keys with an expiry.
    func randomExpiringSlot(using rng: inout some RandomNumberGenerator) -> Int? {
        guard !expiring.isEmpty else { return nil }
        return expiring[Int.random(in: 0..<expiring.count, using: &rng)]
    }

    /// A random occupied slot, or nil when empty.
    func randomSlot(using rng: inout some RandomNumberGenerator) -> Int? {
        guard !table.isEmpty else { return nil }
        // Probe random slots; when the table is sparse, fall back to a walk from a random start.
        for _ in 0..<16 {
            let slot = Int.random(in: 0..<table.slotCount, using: &rng)
            if table.entry(at: slot) != nil { return slot }
        }
        let start = Int.random(in: 0..<table.slotCount, using: &rng)
        for offset in 0..<table.slotCount {
            let slot = (start + offset) % table.slotCount
            if table.entry(at: slot) != nil { return slot }
        }
        return nil
    }

    var slotCount: Int { table.slotCount }

    func isOccupied(_ slot: Int) -> Bool { table.entry(at: slot) != nil }

    /// Every key, in slot order.
    var keys: [Bytes] { table.entries.map(\.key) }

    /// SWAPDB: trades every key and expiry with another database.
    func swapContents(with other: Database) {
        swap(&table, &other.table)
        swap(&expiring, &other.expiring)
        swap(&bookkeeping, &other.bookkeeping)
        swap(&measuredBytes, &other.measuredBytes)
    }

    func removeAll() {
        measuredBytes = 0
        table.removeAll()
        bookkeeping.removeAll()
        expiring.removeAll()
    }

    // MARK: Memory

    /// A key's approximate footprint in bytes: the key and a fixed overhead per entry, plus the
    /// string's bytes or a fixed cost per element of a collection (so the measure is O(1)).
    /// Not Redis' allocator figures: enough for `maxmemory` to bite as writes grow the data.
    static func approximateSize(_ key: Bytes, _ value: StoredValue) -> Int {
        var total = key.count + 64
        switch value {
        case .string(let s): total += s.count
        case .list(let l): total += l.count * 32
        case .hash(let h): total += h.count * 64
        case .set(let s): total += s.count * 48
        case .sortedSet(let z): total += z.count * 64
        case .stream(let x): total += x.length * 64
        }
        return total
    }

    /// Measures the key in a slot again (after a command changed its value in place).
    func measure(at slot: Int) {
        let size = Database.approximateSize(table.key(at: slot), table.value(at: slot).value)
        measuredBytes += size - bookkeeping[slot].bytes
        bookkeeping[slot].bytes = size
    }

    /// Starts or stops keeping the keys' sizes; starting measures every key.
    func setMeasuring(_ on: Bool) {
        guard on != measuring else { return }
        measuring = on
        measuredBytes = 0
        guard on else { return }
        for slot in 0..<table.slotCount where table.entry(at: slot) != nil {
            bookkeeping[slot].bytes = 0
            measure(at: slot)
        }
    }
}
