import StrataCache
import StrataSync

/// Per-entry time-to-live as a layer over any ``LocalStore``.
///
/// Each entry gets a deadline: the default TTL, or one passed to ``set(_:_:ttl:)``, shortened
/// by a random jitter if configured, so keys written together do not all expire together.
/// A read of an expired entry removes it (lazy expiry). Every operation also removes up to
/// `sweepBudget` entries whose deadline has passed, earliest first, from an expiry heap, so
/// expired entries do not hold memory even if they are never read again. Call
/// ``purgeExpired()`` from a timer to reclaim them while the cache is idle.
///
/// The base store holds ``Expiring`` values and belongs to this layer: change it only through
/// the layer. Entries the base evicts are forgotten by the layer too, so its bookkeeping never
/// outgrows the base.
///
/// ```swift
/// let sessions = TTLCache(base: LRUCache<String, Expiring<Session>>(capacity: 50_000), defaultTTL: .seconds(1800))
/// sessions.set("s-1", session)
/// sessions.set("s-2", other, ttl: .seconds(60))
/// sessions.remainingTTL(for: "s-2")  // about 60 seconds
/// ```
///
/// - Complexity: `get` O(1) plus the sweep; `set` and `remove` O(log n) for the heap.
public final class TTLCache<Value: Sendable, Base: LocalStore>: LocalStore where Base.Value == Expiring<Value> {
    /// The key type: the base store's.
    public typealias Key = Base.Key

    @usableFromInline
    struct State: ~Copyable {
        @usableFromInline var deadlines = ExpiryHeap<Key>()
        @usableFromInline var random: SplitMix64
        @usableFromInline var hits = 0
        @usableFromInline var misses = 0
        @usableFromInline var expirations = 0
        @usableFromInline var evictions = 0

        @usableFromInline
        init(random: SplitMix64) {
            self.random = random
        }
    }

    @usableFromInline let state: StrataMutex<State>
    @usableFromInline let base: Base
    @usableFromInline let clock: any CacheClock

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
    ///   - clock: the time source.
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
        self.jitter = jitter
        self.sweepBudget = sweepBudget
        self.clock = clock
        state = StrataMutex(State(random: seed.map { SplitMix64(seed: $0) } ?? SplitMix64()))
    }

    /// The live value for `key`; an expired entry is removed and counts as a miss.
    @inlinable
    public func get(_ key: Key) -> Value? {
        let now = clock.now.nanoseconds
        return state.withLock { state in
            sweep(&state, now: now)
            guard let entry = base.get(key) else {
                state.misses += 1
                return nil
            }
            guard entry.deadline.nanoseconds > now else {
                expire(key, &state)
                state.misses += 1
                return nil
            }
            state.hits += 1
            return entry.value
        }
    }

    /// The live value for `key`, without counting or reordering anything.
    @inlinable
    public func peek(_ key: Key) -> Value? {
        let now = clock.now.nanoseconds
        guard let entry = base.peek(key), entry.deadline.nanoseconds > now else { return nil }
        return entry.value
    }

    /// Stores `value` for `key` with the default TTL.
    @inlinable
    public func set(_ key: Key, _ value: Value, evicted: (Key, Value) -> Void) {
        set(key, value, ttl: defaultTTL, evicted: evicted)
    }

    /// Stores `value` for `key`, expiring after `ttl` (`nil`: never).
    @inlinable
    public func set(_ key: Key, _ value: Value, ttl: Duration?) {
        set(key, value, ttl: ttl, evicted: { _, _ in })
    }

    /// Stores `value` for `key`, expiring after `ttl` (`nil`: never); `evicted` sees each entry
    /// the base store dropped to make room.
    @inlinable
    public func set(_ key: Key, _ value: Value, ttl: Duration?, evicted: (Key, Value) -> Void) {
        let now = clock.now
        // What the base evicts is collected under the lock and reported after it; the first
        // entry is held inline so the usual single eviction does not allocate.
        let (first, more) = state.withLock { state -> ((Key, Value)?, [(Key, Value)]) in
            sweep(&state, now: now.nanoseconds)
            let deadline = ttl.map { now.advanced(by: jittered($0, &state.random)) }
            var first: (Key, Value)?
            var more: [(Key, Value)] = []
            base.set(key, Expiring(value, deadline: deadline ?? CacheInstant(nanoseconds: .max))) { key, entry in
                if first == nil { first = (key, entry.value) } else { more.append((key, entry.value)) }
            }
            if let first { forget(first.0, &state) }
            for (key, _) in more { forget(key, &state) }
            if let deadline {
                state.deadlines.schedule(key, deadline: deadline.nanoseconds)
            } else {
                state.deadlines.cancel(key)
            }
            return (first, more)
        }
        if let first { evicted(first.0, first.1) }
        for (key, value) in more { evicted(key, value) }
    }

    /// Drops the deadline of a key the base store evicted.
    @inlinable
    func forget(_ key: Key, _ state: inout State) {
        state.deadlines.cancel(key)
        state.evictions += 1
    }

    /// Removes the entry for `key` and returns its value if it was still live.
    @inlinable @discardableResult
    public func remove(_ key: Key) -> Value? {
        let now = clock.now.nanoseconds
        return state.withLock { state in
            state.deadlines.cancel(key)
            guard let entry = base.remove(key), entry.deadline.nanoseconds > now else { return nil }
            return entry.value
        }
    }

    /// Removes every entry.
    public func removeAll() {
        state.withLock { state in
            state.deadlines.removeAll()
            base.removeAll()
        }
    }

    /// The number of entries, including expired ones not yet removed.
    public var count: Int {
        base.count
    }

    /// Hits, misses and expirations of this layer, and the base store's evictions.
    public var statistics: CacheStatistics {
        state.withLock {
            CacheStatistics(hits: $0.hits, misses: $0.misses, evictions: $0.evictions, expirations: $0.expirations)
        }
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
        let now = clock.now.nanoseconds
        return state.withLock { state in
            sweep(&state, now: now, budget: .max)
        }
    }

    /// Removes up to `budget` entries whose deadline is at or before `now`, earliest first.
    @inlinable @discardableResult
    func sweep(_ state: inout State, now: Int64, budget: Int? = nil) -> Int {
        var removed = 0
        let limit = budget ?? sweepBudget
        while removed < limit, let deadline = state.deadlines.earliestDeadline, deadline <= now,
            let key = state.deadlines.earliestKey
        {
            expire(key, &state)
            removed += 1
        }
        return removed
    }

    @inlinable
    func expire(_ key: Key, _ state: inout State) {
        state.deadlines.cancel(key)
        base.remove(key)
        state.expirations += 1
    }

    @inlinable
    func jittered(_ ttl: Duration, _ random: inout SplitMix64) -> Duration {
        guard jitter > 0 else { return ttl }
        let unit = Double(random.next() >> 11) / Double(1 << 53)
        return ttl * (1 - jitter * unit)
    }
}
