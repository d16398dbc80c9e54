/// A point in time on a ``CacheClock``: nanoseconds since the clock's own origin.
///
/// Plain integer time keeps expiry arithmetic cheap; only differences between instants of
/// the same clock are meaningful.
public struct CacheInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// An instant `nanoseconds` after the clock's origin.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The instant `duration` after this one (saturating at the largest instant).
    public func advanced(by duration: Duration) -> CacheInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(duration.cacheNanoseconds)
        return CacheInstant(nanoseconds: overflow ? (duration > .zero ? .max : .min) : sum)
    }

    /// The time from this instant to `other`.
    public func duration(to other: CacheInstant) -> Duration {
        .nanoseconds(other.nanoseconds &- nanoseconds)
    }

    public static func < (lhs: CacheInstant, rhs: CacheInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}

/// The time source of the cache layers, injected so that tests never sleep.
///
/// Production code uses ``MonotonicCacheClock``; tests use a manual clock that they advance.
public protocol CacheClock: Sendable {
    /// The current instant. Never goes backwards.
    var now: CacheInstant { get }
}

/// The system's monotonic clock (`ContinuousClock`), counted from the moment it was created.
public struct MonotonicCacheClock: CacheClock {
    private let origin: ContinuousClock.Instant

    /// A clock whose origin is now.
    public init() {
        origin = ContinuousClock.now
    }

    /// The time since the clock was created.
    public var now: CacheInstant {
        CacheInstant(nanoseconds: origin.duration(to: ContinuousClock.now).cacheNanoseconds)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    package var cacheNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds > 0 ? .max : .min }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds > 0 ? .max : .min }
        return sum
    }
}
