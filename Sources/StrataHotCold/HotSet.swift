import StrataCache
import StrataSync

/// A bounded in-memory set of hot copies of values that live in a colder tier.
///
/// Reads go to ``lookup(_:)``. A miss returns a ``PromotionTicket``; after reading the value
/// from the colder tier, hand both to ``offer(_:_:ticket:)``. The value first lands in a small
/// admission window (an LRU, about 1% of the capacity to start with). To stay beyond the
/// window it must be promoted into the main region: its estimated frequency must reach
/// `promotionThreshold` and beat the main region's eviction victim (TinyLFU admission), so a
/// one-off scan passes through the window without flushing hot keys. Keys that cool are
/// demoted (dropped) as hotter ones win their place; the colder tier still has them.
///
/// Frequencies come from a ``FrequencySketch`` whose memory is fixed by `capacity`, however
/// many distinct keys are read. The window resizes itself: when plain LRU would clearly hit
/// more often on a sample of the same requests (recency-heavy traffic), it grows. When the hit
/// ratio falls at once (popularity reshuffled), the sketch forgets its counts so that the new
/// hot keys can displace the old ones.
///
/// A hit is cheap: one hash of the key (shared by the index and the sketch), a probe of an
/// open-addressing index, and two words appended to a read buffer. The policy's bookkeeping
/// (sketch, sampled shadow LRU, recency order) is replayed from the buffer every 64 hits, or
/// before any miss, insertion or removal, in the order the reads came, so decisions are the
/// same as if each read had done its own. Nothing is allocated per operation; all storage is
/// allocated once for `capacity` entries.
///
/// Hot copies carry a time-to-live, and ``invalidate(_:)`` drops one at once; a promotion
/// whose key was invalidated while the colder tier was being read is refused, so the hot set
/// never serves what the colder tier has dropped or changed through the cache.
///
/// ```swift
/// let hot = HotSet<String, [UInt8]>(capacity: 10_000, ttl: .seconds(30))
/// switch hot.lookup("user:1") {
/// case .hit(let value): use(value)
/// case .miss(let ticket):
///     let value = try await redis.get("user:1")
///     hot.offer("user:1", value, ticket: ticket)
/// }
/// ```
///
/// - Complexity: O(1) per operation.
public final class HotSet<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The result of ``HotSet/lookup(_:)``.
    public enum Lookup {
        /// A live hot copy.
        case hit(Value)
        /// No hot copy: read the colder tier, then ``HotSet/offer(_:_:ticket:)`` the value.
        case miss(PromotionTicket)
    }

    @usableFromInline
    struct State: ~Copyable {
        @usableFromInline var core: HotSetCore<Key, Value>
        /// Invalidation stamps by key hash: a promotion is refused if its key's stamp moved.
        @usableFromInline var stamps: [UInt32]
        @usableFromInline var hits = 0
        @usableFromInline var misses = 0
        @usableFromInline var evictions = 0
        @usableFromInline var expirations = 0

        @usableFromInline
        init(core: consuming HotSetCore<Key, Value>, stamps: [UInt32]) {
            self.core = core
            self.stamps = stamps
        }
    }

    @usableFromInline let state: StrataMutex<State>
    @usableFromInline let clock: any CacheClock
    @usableFromInline let ttlNanoseconds: Int64?
    @usableFromInline let stampMask: Int
    /// A fixed hash for the sketch and the index, or `nil` to use `hashValue` (seeded per process).
    @usableFromInline let keyHash: (@Sendable (Key) -> UInt64)?

    /// The maximum number of hot copies.
    public let capacity: Int

    /// Creates a hot set.
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of hot copies.
    ///   - ttl: how long a hot copy may be served after its promotion (`nil`: until demoted or
    ///     invalidated). Keep it at or below the colder tier's own TTL.
    ///   - promotionThreshold: the minimum estimated recent read count for a key to enter the
    ///     main region when it is full (default 2: a key read once never enters it).
    ///   - clock: the time source for the TTL.
    ///   - keyHash: a fixed 64-bit hash for the frequency sketch and the index (equal keys must
    ///     hash equally, and all 64 bits should be well mixed); `nil` uses a mix of
    ///     `hashValue`, which Swift seeds per process. Pass one for reproducible simulations.
    public init(
        capacity: Int,
        ttl: Duration? = nil,
        promotionThreshold: Int = 2,
        clock: any CacheClock = MonotonicCacheClock(),
        keyHash: (@Sendable (Key) -> UInt64)? = nil
    ) {
        self.capacity = capacity
        self.clock = clock
        self.keyHash = keyHash
        ttlNanoseconds = ttl.map { Swift.max(0, $0.cacheNanoseconds) }
        let stampCount = 1024
        stampMask = stampCount - 1
        state = StrataMutex(
            State(
                core: HotSetCore(capacity: capacity, admissionThreshold: promotionThreshold),
                stamps: [UInt32](repeating: 0, count: stampCount)
            )
        )
    }

    /// Looks `key` up, recording the read in the frequency sketch.
    @inlinable
    public func lookup(_ key: Key) -> Lookup {
        let now = ttlNanoseconds == nil ? 0 : clock.now.nanoseconds
        let hash = self.hash(of: key)
        return state.withLock { state in
            let slot = state.core.find(key, hash: hash)
            if slot >= 0 {
                if state.core.nodes[Int(slot)].deadline > now {
                    state.core.recordHit(slot: slot, hash: hash)
                    state.hits += 1
                    return .hit(state.core.nodes[Int(slot)].value)
                }
                state.core.remove(slot)
                state.expirations += 1
            }
            state.core.recordMiss(hash: hash)
            state.misses += 1
            return .miss(PromotionTicket(hash: hash, stamp: state.stamps[Int(truncatingIfNeeded: hash) & stampMask]))
        }
    }

    /// The hot copy of `key`, if there is a live one (a convenience over ``lookup(_:)``).
    @inlinable
    public func get(_ key: Key) -> Value? {
        if case .hit(let value) = lookup(key) { return value }
        return nil
    }

    /// Offers a value just read from the colder tier after a miss.
    ///
    /// - Returns: whether the value was stored (it may still be dropped later by admission);
    ///   `false` when `key` was invalidated since the ticket was issued or already has a copy.
    @inlinable @discardableResult
    public func offer(_ key: Key, _ value: Value, ticket: PromotionTicket) -> Bool {
        let deadline = ttlNanoseconds.map { clock.now.nanoseconds.addingReportingOverflow($0).partialValue } ?? .max
        return state.withLock { state -> Bool in
            guard state.stamps[Int(truncatingIfNeeded: ticket.hash) & stampMask] == ticket.stamp,
                state.core.find(key, hash: ticket.hash) < 0
            else { return false }
            var evicted = 0
            state.core.insert(key, value: value, hash: ticket.hash, deadline: deadline) { _, _ in evicted += 1 }
            state.evictions += evicted
            return true
        }
    }

    /// Drops the hot copy of `key`, if any, and refuses promotions of `key` that are in flight.
    public func invalidate(_ key: Key) {
        let hash = self.hash(of: key)
        state.withLock { state in
            state.stamps[Int(truncatingIfNeeded: hash) & stampMask] &+= 1
            let slot = state.core.find(key, hash: hash)
            if slot >= 0 { state.core.remove(slot) }
        }
    }

    /// Drops the hot copies of the keys `predicate` accepts, and refuses promotions of those keys
    /// that are in flight (of keys not hot now, the caller guards its own). Visits every hot
    /// copy: for rare, wholesale invalidations.
    public func invalidate(where predicate: (Key) -> Bool) {
        let doomed = state.withLock { state in state.core.keys }.filter(predicate).map { ($0, self.hash(of: $0)) }
        state.withLock { state in
            for (key, hash) in doomed {
                state.stamps[Int(truncatingIfNeeded: hash) & stampMask] &+= 1
                let slot = state.core.find(key, hash: hash)
                if slot >= 0 { state.core.remove(slot) }
            }
        }
    }

    /// Drops every hot copy (for example after a lost invalidation stream) and refuses all
    /// promotions in flight. Frequencies are kept.
    public func removeAll() {
        state.withLock { state in
            state.core.removeAll()
            for index in state.stamps.indices { state.stamps[index] &+= 1 }
        }
    }

    /// The number of hot copies (some may have expired and not yet been dropped).
    public var count: Int {
        state.withLock { $0.core.count }
    }

    /// Hits, misses, evictions (demotions), expirations and promotions into the main region.
    public var statistics: CacheStatistics {
        state.withLock {
            $0.core.drainReads()
            return CacheStatistics(
                hits: $0.hits,
                misses: $0.misses,
                evictions: $0.evictions,
                expirations: $0.expirations,
                promotions: $0.core.promotions
            )
        }
    }

    /// The sketch and index hash of `key`: hashed once per operation, outside the lock.
    @inlinable
    func hash(of key: Key) -> UInt64 {
        keyHash.map { $0(key) } ?? FrequencySketch<Key>.spread(key.hashValue)
    }

    /// The current target size of the admission window (it adapts to the workload).
    public var windowCapacity: Int {
        state.withLock {
            $0.core.drainReads()
            return $0.core.windowMaximum
        }
    }
}

/// Proof of a miss in a ``HotSet``, handed back with the value read from the colder tier.
public struct PromotionTicket: Sendable, Hashable {
    @usableFromInline let hash: UInt64
    @usableFromInline let stamp: UInt32

    @inlinable
    init(hash: UInt64, stamp: UInt32) {
        self.hash = hash
        self.stamp = stamp
    }
}
