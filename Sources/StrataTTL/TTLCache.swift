import StrataCache
import StrataLRU
import StrataSync
import Synchronization

/// Per-entry time-to-live as a layer over any `LocalStore` (StrataCache).
///
/// Each entry gets a deadline: the default TTL, or one passed to ``set(_:_:ttl:)``, shortened
/// by a random jitter if configured, so keys written together do not all expire together.
/// A read of an expired entry removes it (lazy expiry). Every operation also removes up to
/// `sweepBudget` entries whose deadline has passed, earliest first, from an expiry heap, so
/// expired entries do not hold memory even if they are never read again. Call
/// ``purgeExpired()`` from a timer to reclaim them while the cache is idle.
///
/// The base store holds ``Expiring`` values and belongs to this layer: change it only through
/// the layer. The deadline lives in the base's entry, so a hit costs the base's hit, one clock
/// read and one comparison. When the base is an `LRUCache`, the expiry heap lives in the LRU's
/// own storage, keyed by node index: every operation takes the LRU's lock alone, and an
/// eviction or a set costs the heap one push. Over any other store the layer keeps the heap
/// itself, keyed by key, behind a lock of its own that a hit takes only when an entry is due.
/// Either heap is swept lazily (see `ExpiryHeap`): a set pushes one pair, and pairs of keys
/// the base evicted or that were set again are dropped when reached, or by a compaction that
/// keeps the heap within twice the number of live entries (plus a small constant), so its
/// bookkeeping never outgrows the base.
///
/// ```swift
/// let sessions = TTLCache(base: LRUCache<String, Expiring<Session>>(capacity: 50_000), defaultTTL: .seconds(1800))
/// sessions.set("s-1", session)
/// sessions.set("s-2", other, ttl: .seconds(60))
/// sessions.remainingTTL(for: "s-2")  // about 60 seconds
/// ```
///
/// - Complexity: `get` O(1) plus the sweep; `set` O(1) amortized when deadlines arrive in
///   order (one TTL), O(log n) otherwise; the sweep O(log n) per entry removed.
public final class TTLCache<Value: Sendable, Base: LocalStore>: LocalStore where Base.Value == Expiring<Value> {
    /// The key type: the base store's.
    public typealias Key = Base.Key

    /// The layer's own expiry bookkeeping, over a base that is not an `LRUCache`.
    @usableFromInline
    struct State: ~Copyable {
        @usableFromInline var deadlines = ExpiryHeap<Key>()
        /// Reads the base counted as hits that found an expired entry (misses of this layer).
        @usableFromInline var expiredReads = 0
        @usableFromInline var expirations = 0

        @usableFromInline
        init() {}
    }

    @usableFromInline let state: StrataMutex<State>
    /// Whether the base is an `LRUCache`: then it keeps the expiry itself (see ``lru``) and
    /// `state` is unused.
    @usableFromInline let baseIsLRU: Bool
    /// The jitter's SplitMix64 state, advanced atomically (no lock for a jittered set).
    @usableFromInline let randomState: Atomic<UInt64>
    /// The earliest deadline in the heap (`Int64.max` if none), published under the lock so a
    /// read can tell without the lock whether there is anything to sweep.
    @usableFromInline let nextDeadline: Atomic<Int64>
    @usableFromInline let base: Base
    /// Reads `clock` without a witness call when it is one of the system clocks.
    @usableFromInline let clock: CacheClockReader
    /// The base's counters when the layer took it over: the layer reports only its own.
    @usableFromInline let baseline: CacheStatistics
    /// ``defaultTTL`` in nanoseconds.
    @usableFromInline let defaultTTLNanoseconds: Int64?

    /// The TTL of `set` calls that pass none (`nil`: such entries never expire).
    public let defaultTTL: Duration?
    /// The fraction (0 to 1) by which a TTL may be shortened at random.
    public let jitter: Double
    /// How many expired entries one operation removes at most.
    public let sweepBudget: Int

    /// Creates a TTL layer.
    ///
    /// - Parameters:
    ///   - base: the store that holds the entries; it belongs to the layer from now on.
    ///   - defaultTTL: the TTL of entries set without one (`nil`: they never expire).
    ///   - jitter: a fraction from 0 to 1: each TTL is multiplied by a random factor in
    ///     `(1 - jitter, 1]`, so an entry never outlives the TTL it was given.
    ///   - sweepBudget: the most expired entries removed per operation (default 4).
    ///   - clock: the time source. The clock read is most of a hit's cost over the base's;
    ///     `CoarseCacheClock()` halves a hit on Linux, and lets entries outlive their TTL by up
    ///     to one of its ticks (a few milliseconds).
    ///   - seed: seeds the jitter's random numbers (tests); `nil` seeds from the system.
    public init(
        base: Base,
        defaultTTL: Duration?,
        jitter: Double = 0,
        sweepBudget: Int = 4,
        clock: any CacheClock = MonotonicCacheClock(),
        seed: UInt64? = nil
    ) {
        precondition((0...1).contains(jitter), "jitter must be between 0 and 1")
        precondition(sweepBudget > 0, "sweepBudget must be positive")
        self.base = base
        self.defaultTTL = defaultTTL
        defaultTTLNanoseconds = defaultTTL?.cacheNanoseconds
        self.jitter = jitter
        self.sweepBudget = sweepBudget
        self.clock = CacheClockReader(clock)
        baseline = base.statistics
        nextDeadline = Atomic(.max)
        var system = SystemRandomNumberGenerator()
        randomState = Atomic(seed ?? system.next())
        state = StrataMutex(State())
        let lru = base as? LRUCache<Key, Expiring<Value>>
        baseIsLRU = lru != nil
        lru?.adoptExpiry()
    }

    /// The live value for `key`; an expired entry is removed and counts as a miss.
    @inlinable
    public func get(_ key: Key) -> Value? {
        let now = clock.nanoseconds
        if baseIsLRU { return lru.getLive(key, now: now, sweepBudget: sweepBudget)?.value }
        return get(key, now: now)
    }

    /// `get` over a base other than an `LRUCache`: kept out of line, so the LRU path inlines.
    @inlinable @inline(never)
    func get(_ key: Key, now: Int64) -> Value? {
        if now >= nextDeadline.load(ordering: .relaxed) {
            _ = state.withLock { sweep(&$0, now: now) }
        }
        guard let entry = base.get(key) else { return nil }
        guard entry.deadline.nanoseconds > now else {
            expireRead(key, now: now)
            return nil
        }
        return entry.value
    }

    /// The base as the `LRUCache` it is; only when ``baseIsLRU``. Specialized for an
    /// `LRUCache` base, the cast is the identity and costs nothing.
    @inlinable @inline(__always)
    var lru: LRUCache<Key, Expiring<Value>> {
        base as! LRUCache<Key, Expiring<Value>>
    }

    /// Removes `key`, which a read found expired, unless it was set again since.
    @inlinable
    func expireRead(_ key: Key, now: Int64) {
        state.withLock { state in
            state.expiredReads += 1
            if let entry = base.peek(key), entry.deadline.nanoseconds <= now {
                base.remove(key)
                state.expirations += 1
            }
        }
    }

    /// The live value for `key`, without counting or reordering anything.
    @inlinable
    public func peek(_ key: Key) -> Value? {
        let now = clock.nanoseconds
        guard let entry = base.peek(key), entry.deadline.nanoseconds > now else { return nil }
        return entry.value
    }

    /// Stores `value` for `key` with the default TTL.
    @inlinable
    public func set(_ key: Key, _ value: Value, evicted: (Key, Value) -> Void) {
        set(key, value, ttlNanoseconds: defaultTTLNanoseconds, evicted: evicted)
    }

    /// Stores `value` for `key`, expiring after `ttl` (`nil`: never).
    @inlinable
    public func set(_ key: Key, _ value: Value, ttl: Duration?) {
        set(key, value, ttlNanoseconds: ttl.map(Self.nanoseconds), evicted: { _, _ in })
    }

    /// Stores `value` for `key`, expiring after `ttl` (`nil`: never); `evicted` sees each entry
    /// the base store dropped to make room.
    @inlinable
    public func set(_ key: Key, _ value: Value, ttl: Duration?, evicted: (Key, Value) -> Void) {
        set(key, value, ttlNanoseconds: ttl.map(Self.nanoseconds), evicted: evicted)
    }

    @inlinable
    func set(_ key: Key, _ value: Value, ttlNanoseconds ttl: Int64?, evicted: (Key, Value) -> Void) {
        let now = clock.nanoseconds
        let deadline = ttl.map { Self.deadline(now: now, ttl: jittered($0)) } ?? .max
        if baseIsLRU {
            let entry = Expiring(value, deadline: CacheInstant(nanoseconds: deadline))
            lru.setExpiring(key, entry, now: now, sweepBudget: sweepBudget) { evicted($0, $1.value) }
        } else {
            set(key, value, deadline: deadline, now: now, evicted: evicted)
        }
    }

    /// `set` over a base other than an `LRUCache`: kept out of line, so the LRU path inlines.
    @inlinable @inline(never)
    func set(_ key: Key, _ value: Value, deadline: Int64, now: Int64, evicted: (Key, Value) -> Void) {
        // What the base evicts is collected under the lock and reported after it; the first
        // entry is held inline so the usual single eviction does not allocate.
        let (first, more) = state.withLock { state -> ((Key, Value)?, [(Key, Value)]) in
            if now >= state.deadlines.earliestDeadline { sweep(&state, now: now) }
            var first: (Key, Value)?
            var more: [(Key, Value)] = []
            base.set(key, Expiring(value, deadline: CacheInstant(nanoseconds: deadline))) { key, entry in
                if first == nil { first = (key, entry.value) } else { more.append((key, entry.value)) }
            }
            // A previous pair of this key, or of a key just evicted, is now stale: the sweep or
            // a compaction drops it.
            if deadline != .max {
                state.deadlines.push(key, deadline: deadline)
                if state.deadlines.needsCompaction { compact(&state) }
                publish(state)
            }
            return (first, more)
        }
        if let first { evicted(first.0, first.1) }
        for (key, value) in more { evicted(key, value) }
    }

    /// Removes the entry for `key` and returns its value if it was still live.
    @inlinable @discardableResult
    public func remove(_ key: Key) -> Value? {
        let now = clock.nanoseconds
        // Its heap pair, if any, is now stale.
        guard let entry = baseIsLRU ? lru.removeExpiring(key) : base.remove(key),
            entry.deadline.nanoseconds > now
        else { return nil }
        return entry.value
    }

    /// Removes every entry.
    public func removeAll() {
        state.withLock { state in
            state.deadlines.removeAll()
            base.removeAll()
            publish(state)
        }
    }

    /// The number of entries, including expired ones not yet removed.
    public var count: Int {
        base.count
    }

    /// Hits, misses and expirations of this layer, and the base store's evictions.
    ///
    /// A read goes to the base, which counts it; a read the base counted as a hit but that
    /// found an expired entry is a miss of this layer.
    public var statistics: CacheStatistics {
        // An `LRUCache` base counts expired reads as misses, and expirations, itself.
        if baseIsLRU { return base.statistics.subtracting(baseline) }
        let (expiredReads, expirations) = state.withLock { ($0.expiredReads, $0.expirations) }
        let counted = base.statistics.subtracting(baseline)
        return CacheStatistics(
            hits: counted.hits - expiredReads,
            misses: counted.misses + expiredReads,
            evictions: counted.evictions,
            expirations: expirations
        )
    }

    /// How long `key` has left to live, or `nil` if it is absent, expired, or never expires.
    @inlinable
    public func remainingTTL(for key: Key) -> Duration? {
        let now = clock.now
        guard let entry = base.peek(key), entry.deadline > now, entry.deadline.nanoseconds != .max else {
            return nil
        }
        return now.duration(to: entry.deadline)
    }

    /// Removes every expired entry now, however many; returns how many.
    @discardableResult
    public func purgeExpired() -> Int {
        let now = clock.nanoseconds
        if baseIsLRU { return lru.purgeExpired(now: now) }
        return state.withLock { state in
            sweep(&state, now: now, budget: .max)
        }
    }

    /// The number of pairs in the expiry heap, stale ones included (tests).
    package var scheduledCount: Int {
        baseIsLRU ? lru.scheduledCount : state.withLock { $0.deadlines.count }
    }

    /// Removes up to `budget` (`sweepBudget` by default) entries whose deadline has passed,
    /// earliest first, popping at most four times as many pairs (stale ones are dropped on the
    /// way); returns how many entries it removed.
    @inlinable @discardableResult
    func sweep(_ state: inout State, now: Int64, budget: Int? = nil) -> Int {
        var removed = 0
        var popped = 0
        let limit = budget ?? sweepBudget
        let popLimit = limit > Int.max / 4 ? Int.max : limit &* 4
        while removed < limit, popped < popLimit, let due = state.deadlines.popDue(now: now) {
            popped += 1
            // Only if the base still holds this key with this deadline: otherwise the pair is
            // stale (the key was evicted, removed, or set again).
            if let entry = base.peek(due.key), entry.deadline.nanoseconds == due.deadline {
                base.remove(due.key)
                removed += 1
            }
        }
        if popped > 0 {
            state.expirations += removed
            publish(state)
        }
        return removed
    }

    /// Drops every stale pair from the heap.
    @inlinable
    func compact(_ state: inout State) {
        state.deadlines.compact(
            keeping: { base.peek($0.key)?.deadline.nanoseconds == $0.deadline },
            liveLimit: base.count
        )
    }

    /// Makes the heap's earliest deadline visible to lock-free reads.
    @inlinable
    func publish(_ state: borrowing State) {
        nextDeadline.store(state.deadlines.earliestDeadline, ordering: .relaxed)
    }

    /// `duration` in whole nanoseconds, saturating.
    @usableFromInline
    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.cacheNanoseconds
    }

    /// `now + ttl`, saturating.
    @inlinable
    static func deadline(now: Int64, ttl: Int64) -> Int64 {
        let (sum, overflow) = now.addingReportingOverflow(ttl)
        return overflow ? (ttl > 0 ? .max : .min) : sum
    }

    /// `ttl` nanoseconds, shortened at random by up to `jitter` of it.
    @inlinable
    func jittered(_ ttl: Int64) -> Int64 {
        guard jitter > 0, ttl > 0 else { return ttl }
        // SplitMix64's step, on shared state: the seeded sequence of `SplitMix64(seed:)`.
        let random = SplitMix64.mix(randomState.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue)
        let unit = Double(random >> 11) / Double(1 << 53)
        let scaled = Double(ttl) * (1 - jitter * unit)
        // Never longer than the TTL given (a large TTL rounds in Double).
        return scaled >= Double(ttl) ? ttl : Int64(scaled)
    }
}
