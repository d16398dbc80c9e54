/// A snapshot of a cache layer's counters.
///
/// Each layer counts what it does; a layer that has nothing to promote reports zero
/// promotions. Snapshots are values: take two and subtract to measure an interval.
public struct CacheStatistics: Hashable, Sendable, CustomStringConvertible {
    /// Lookups that found a live entry.
    public var hits: Int
    /// Lookups that found nothing (or only an expired entry).
    public var misses: Int
    /// Entries dropped to make room.
    public var evictions: Int
    /// Entries dropped because their time-to-live ran out.
    public var expirations: Int
    /// Entries copied from a colder tier into a hot set.
    public var promotions: Int

    /// A snapshot with the given counts (zero by default).
    public init(hits: Int = 0, misses: Int = 0, evictions: Int = 0, expirations: Int = 0, promotions: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.evictions = evictions
        self.expirations = expirations
        self.promotions = promotions
    }

    /// All lookups: hits plus misses.
    public var requests: Int { hits + misses }

    /// Hits over lookups, from 0 to 1 (0 when there were no lookups).
    public var hitRatio: Double {
        requests == 0 ? 0 : Double(hits) / Double(requests)
    }

    /// The counts accumulated since `earlier`.
    public func subtracting(_ earlier: CacheStatistics) -> CacheStatistics {
        CacheStatistics(
            hits: hits - earlier.hits,
            misses: misses - earlier.misses,
            evictions: evictions - earlier.evictions,
            expirations: expirations - earlier.expirations,
            promotions: promotions - earlier.promotions
        )
    }

    /// The element-wise sum of two snapshots (for example of the stripes of a striped cache).
    public static func + (lhs: CacheStatistics, rhs: CacheStatistics) -> CacheStatistics {
        CacheStatistics(
            hits: lhs.hits + rhs.hits,
            misses: lhs.misses + rhs.misses,
            evictions: lhs.evictions + rhs.evictions,
            expirations: lhs.expirations + rhs.expirations,
            promotions: lhs.promotions + rhs.promotions
        )
    }

    public var description: String {
        "hits: \(hits), misses: \(misses), evictions: \(evictions), expirations: \(expirations), "
            + "promotions: \(promotions)"
    }
}
