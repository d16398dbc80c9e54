import StrataCache
import StrataHotCold
import StrataLRU
import StrataSync

/// How the in-process tier of a ``TieredCache`` is built.
public struct LocalTierOptions: Sendable {
    /// The structure holding local copies.
    public enum Kind: Sendable {
        /// A bounded LRU cache of `capacity` entries.
        case lru(capacity: Int)
        /// A hot set of `capacity` entries that admits only keys read often enough
        /// (frequency sketch, TinyLFU admission), so scans cannot flush hot keys.
        case hotCold(capacity: Int, promotionThreshold: Int)
    }

    /// The structure holding local copies.
    public var kind: Kind
    /// How long a local copy may be served at most (a lower tier's remaining time bounds it too).
    public var ttl: Duration

    /// Creates options.
    public init(kind: Kind, ttl: Duration) {
        self.kind = kind
        self.ttl = ttl
    }

    /// An LRU local tier.
    public static func lru(capacity: Int, ttl: Duration) -> LocalTierOptions {
        LocalTierOptions(kind: .lru(capacity: capacity), ttl: ttl)
    }

    /// A hot/cold local tier: only frequently read keys are kept in process memory (by default
    /// from their second read, as `HotSet` admits them).
    public static func hotCold(capacity: Int, ttl: Duration, promotionThreshold: Int = 2) -> LocalTierOptions {
        LocalTierOptions(kind: .hotCold(capacity: capacity, promotionThreshold: promotionThreshold), ttl: ttl)
    }
}

/// One cached entry with the times that govern it (Unix milliseconds, shared with Redis tiers).
@usableFromInline
struct TierEntry<Value: Sendable>: Sendable {
    /// The value, or `nil` for a cached "not found".
    @usableFromInline var value: Value?
    /// Until then the entry is fresh.
    @usableFromInline var freshUntil: Int64
    /// Until then the entry may be served while a refresh runs (stale-while-revalidate).
    @usableFromInline var usableUntil: Int64
    /// Until then the entry may be served when loading fails (fail-safe).
    @usableFromInline var keptUntil: Int64
    /// How long loading it took, for probabilistic early refresh.
    @usableFromInline var loadMicroseconds: UInt32
    /// The Unix microseconds its data is as new as (see ``CacheEnvelope/version``).
    @usableFromInline var version: Int64
    /// Its tags: it is void once any of them is invalidated after `version`.
    @usableFromInline var tags: [String] = []

    @usableFromInline
    init(
        value: Value?, freshUntil: Int64, usableUntil: Int64, keptUntil: Int64, loadMicroseconds: UInt32,
        version: Int64 = 0
    ) {
        self.value = value
        self.version = version
        self.freshUntil = freshUntil
        self.usableUntil = usableUntil
        self.keptUntil = keptUntil
        self.loadMicroseconds = loadMicroseconds
    }
}

/// What the local fast path reads of an untagged ``TierEntry``: its value and times, without
/// the tags.
@usableFromInline
struct LocalHit<Value: Sendable>: Sendable {
    @usableFromInline let value: Value?
    @usableFromInline let freshUntil: Int64
    @usableFromInline let usableUntil: Int64
    @usableFromInline let loadMicroseconds: UInt32

    /// The fields of `entry`, or `nil` when it is tagged (tags are checked on the full path).
    @inlinable
    init?(entry: borrowing TierEntry<Value>) {
        guard entry.tags.isEmpty else { return nil }
        value = entry.value
        freshUntil = entry.freshUntil
        usableUntil = entry.usableUntil
        loadMicroseconds = entry.loadMicroseconds
    }
}

/// A local miss's right to store the value it goes to fetch. An invalidation of the key (or of
/// everything) while the fetch is in flight revokes it, so a reply that was already stale when
/// it arrived is never kept.
struct FillTicket: Sendable {
    var token: UInt64
    var epoch: UInt64
    var promotion: PromotionTicket?
}

/// The local tier's storage, behind fill tickets.
///
/// Two kinds of ticket: a fill (a read that missed and fetches the value) and a write (this
/// process changing the value). A fill is revoked by any invalidation or write of its key, and
/// refused while a write of the key is in flight (revoked or not); a write is revoked by an
/// invalidation, or superseded by a later write of the key. So a
/// fetch that raced a write can never leave its older reply in place of the written value.
protocol LocalTierStorage<Value>: Sendable {
    associatedtype Value: Sendable
    /// The entry for `key`, or a ticket to fill it.
    func lookup(_ key: String) -> TierLookup<Value>
    /// The entry for `key` if present, without a ticket on a miss (the fast path); `nil` also when
    /// the storage has no cheap way to tell.
    func hit(_ key: String) -> TierEntry<Value>?
    /// A fill ticket for `key` (a read that found an expired entry and fetches again).
    func ticket(for key: String) -> FillTicket
    /// Stores a fetched `entry` if the fill `ticket` is still valid; returns whether it did.
    @discardableResult
    func store(_ key: String, _ entry: TierEntry<Value>, ticket: FillTicket) -> Bool
    /// Starts a write of `key` by this process: drops the local copy and revokes fills.
    func beginWrite(_ key: String) -> FillTicket
    /// Finishes a write: stores `entry` (when given) unless an invalidation came meanwhile, and
    /// revokes fills that started during the write.
    func completeWrite(_ key: String, _ entry: TierEntry<Value>?, ticket: FillTicket)
    /// Gives up a ticket (the fetch failed).
    func release(_ key: String, ticket: FillTicket)
    /// Drops the copy of `key` and revokes its tickets.
    func invalidate(_ key: String)
    /// Drops the copies of the keys `predicate` accepts and revokes their tickets (visits every
    /// entry: for rare events, such as a cluster slot changing owner).
    func invalidate(where predicate: (String) -> Bool)
    /// Drops every copy and revokes every ticket.
    func invalidateAll()
    var count: Int { get }
}

enum TierLookup<Value: Sendable> {
    case hit(TierEntry<Value>)
    case miss(FillTicket)
}

/// Tickets: one pending fill token per key, shared by concurrent misses, removed by a fill, a
/// release, a write or an invalidation; and, per key being written, the writes in flight. Fills
/// are refused while a key has a write in flight, even one an invalidation revoked: the write is
/// still on its way through the Redis tiers, so a fill could read what it is about to replace.
/// Bounded: if too many fills are pending at once, they are all revoked; if too many keys are
/// being written at once, further writes are not tracked and every fill is refused until they end.
struct TicketBook {
    /// The writes of one key in flight.
    struct Writes {
        /// The newest write's token: only it may store its value.
        var latest: UInt64
        /// How many writes of the key have begun and not completed.
        var inFlight: Int
        /// Writes with a token up to this one were revoked by an invalidation.
        var revokedThrough: UInt64 = 0
    }

    var pending: [String: UInt64] = [:]
    var writes: [String: Writes] = [:]
    /// Writes begun when `writes` was full (token 0): fills are refused while any runs.
    var untrackedWrites = 0
    var nextToken: UInt64 = 0
    var epoch: UInt64 = 0
    static let limit = 100_000

    mutating func ticket(for key: String) -> FillTicket {
        if let token = pending[key] { return FillTicket(token: token, epoch: epoch) }
        if pending.count >= Self.limit {
            pending.removeAll()
            epoch &+= 1
        }
        nextToken &+= 1
        pending[key] = nextToken
        return FillTicket(token: nextToken, epoch: epoch)
    }

    /// Consumes the fill ticket if still valid (and no write of the key is in flight).
    mutating func redeem(_ key: String, _ ticket: FillTicket) -> Bool {
        guard ticket.epoch == epoch, pending[key] == ticket.token else { return false }
        pending.removeValue(forKey: key)
        return writes[key] == nil && untrackedWrites == 0
    }

    mutating func beginWrite(_ key: String) -> FillTicket {
        pending.removeValue(forKey: key)
        nextToken &+= 1
        if var current = writes[key] {
            current.latest = nextToken
            current.inFlight += 1
            writes[key] = current
        } else if writes.count < Self.limit {
            writes[key] = Writes(latest: nextToken, inFlight: 1)
        } else {
            untrackedWrites += 1
            return FillTicket(token: 0, epoch: epoch)
        }
        return FillTicket(token: nextToken, epoch: epoch)
    }

    /// Ends a write; true if it may store its value: it is the key's newest write and no
    /// invalidation revoked it meanwhile.
    mutating func completeWrite(_ key: String, _ ticket: FillTicket) -> Bool {
        pending.removeValue(forKey: key)
        guard ticket.token != 0 else {
            untrackedWrites -= 1
            return false
        }
        guard var current = writes[key] else { return false }
        let valid = ticket.token == current.latest && ticket.token > current.revokedThrough
        current.inFlight -= 1
        writes[key] = current.inFlight == 0 ? nil : current
        return valid
    }

    mutating func revoke(_ key: String) {
        pending.removeValue(forKey: key)
        writes[key]?.revokedThrough = nextToken
    }

    mutating func revoke(where predicate: (String) -> Bool) {
        for key in pending.keys where predicate(key) { pending.removeValue(forKey: key) }
        for key in writes.keys where predicate(key) { writes[key]!.revokedThrough = nextToken }
    }

    mutating func revokeAll() {
        pending.removeAll()
        for key in writes.keys { writes[key]!.revokedThrough = nextToken }
        epoch &+= 1
    }
}

/// The LRU local tier.
@usableFromInline
final class LRULocalTier<Value: Sendable>: LocalTierStorage {
    @usableFromInline let cache: LRUCache<String, TierEntry<Value>>
    private let book = StrataMutex(TicketBook())

    init(capacity: Int) {
        cache = LRUCache(capacity: capacity)
    }

    @inline(__always)
    func lookup(_ key: String) -> TierLookup<Value> {
        if let entry = cache.get(key) { return .hit(entry) }
        return .miss(ticket(for: key))
    }

    @inline(__always)
    func hit(_ key: String) -> TierEntry<Value>? {
        cache.get(key)
    }

    func ticket(for key: String) -> FillTicket {
        book.withLock { $0.ticket(for: key) }
    }

    func store(_ key: String, _ entry: TierEntry<Value>, ticket: FillTicket) -> Bool {
        // The check and the store happen under the book's lock, which invalidations take too.
        book.withLock { book in
            guard book.redeem(key, ticket) else { return false }
            cache.set(key, entry)
            return true
        }
    }

    func release(_ key: String, ticket: FillTicket) {
        book.withLock { _ = $0.redeem(key, ticket) }
    }

    func beginWrite(_ key: String) -> FillTicket {
        book.withLock { book in
            cache.remove(key)
            return book.beginWrite(key)
        }
    }

    func completeWrite(_ key: String, _ entry: TierEntry<Value>?, ticket: FillTicket) {
        book.withLock { book in
            guard book.completeWrite(key, ticket), let entry else { return }
            cache.set(key, entry)
        }
    }

    func invalidate(_ key: String) {
        book.withLock { book in
            book.revoke(key)
            cache.remove(key)
        }
    }

    func invalidate(where predicate: (String) -> Bool) {
        book.withLock { book in
            book.revoke(where: predicate)
            for key in cache.keysByRecency() where predicate(key) { cache.remove(key) }
        }
    }

    func invalidateAll() {
        book.withLock { book in
            book.revokeAll()
            cache.removeAll()
        }
    }

    var count: Int { cache.count }
}

/// The hot/cold local tier: the hot set's own promotion tickets guard against stale fills, and
/// the book adds the same guard for invalidate-all.
final class HotColdLocalTier<Value: Sendable>: LocalTierStorage {
    let hot: HotSet<String, TierEntry<Value>>
    private let book = StrataMutex(TicketBook())

    init(capacity: Int, promotionThreshold: Int) {
        hot = HotSet(capacity: capacity, promotionThreshold: promotionThreshold)
    }

    func lookup(_ key: String) -> TierLookup<Value> {
        switch hot.lookup(key) {
        case .hit(let entry):
            return .hit(entry)
        case .miss(let promotion):
            var ticket = self.ticket(for: key)
            ticket.promotion = promotion
            return .miss(ticket)
        }
    }

    /// Always the full path: a hot set lookup records the read for admission, once.
    func hit(_ key: String) -> TierEntry<Value>? { nil }

    func ticket(for key: String) -> FillTicket {
        book.withLock { $0.ticket(for: key) }
    }

    func store(_ key: String, _ entry: TierEntry<Value>, ticket: FillTicket) -> Bool {
        book.withLock { book in
            guard book.redeem(key, ticket), let promotion = ticket.promotion else { return false }
            return hot.offer(key, entry, ticket: promotion)
        }
    }

    func release(_ key: String, ticket: FillTicket) {
        book.withLock { _ = $0.redeem(key, ticket) }
    }

    func beginWrite(_ key: String) -> FillTicket {
        book.withLock { book in
            hot.invalidate(key)
            return book.beginWrite(key)
        }
    }

    /// Only reads earn a place in the hot set: a write leaves no hot copy.
    func completeWrite(_ key: String, _ entry: TierEntry<Value>?, ticket: FillTicket) {
        book.withLock { _ = $0.completeWrite(key, ticket) }
    }

    func invalidate(_ key: String) {
        book.withLock { book in
            book.revoke(key)
            hot.invalidate(key)
        }
    }

    func invalidate(where predicate: (String) -> Bool) {
        book.withLock { book in
            book.revoke(where: predicate)
            hot.invalidate(where: predicate)
        }
    }

    func invalidateAll() {
        book.withLock { book in
            book.revokeAll()
            hot.removeAll()
        }
    }

    var count: Int { hot.count }
}
