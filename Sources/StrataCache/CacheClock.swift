#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

/// The system's monotonic clock (`ContinuousClock`'s time base), counted from the moment it
/// was created.
///
/// It reads the system clock directly in integer nanoseconds: `ContinuousClock.now` followed
/// by `Duration` arithmetic costs several times a cache hit (128-bit multiplications and a
/// division per read), and the cache layers read the clock on every operation.
public struct MonotonicCacheClock: CacheClock {
    @usableFromInline let origin: Int64

    /// A clock whose origin is now.
    public init() {
        origin = Self.systemNanoseconds()
    }

    /// The time since the clock was created.
    @inlinable
    public var now: CacheInstant {
        CacheInstant(nanoseconds: Self.systemNanoseconds() &- origin)
    }

    /// The system's continuous monotonic time in nanoseconds (the clock `ContinuousClock` reads).
    @inlinable
    static func systemNanoseconds() -> Int64 {
        #if canImport(Glibc)
            return nanoseconds(of: CLOCK_BOOTTIME)
        #elseif canImport(Darwin)
            return Int64(truncatingIfNeeded: clock_gettime_nsec_np(CLOCK_MONOTONIC_RAW))
        #else
            return fallbackEpoch.duration(to: ContinuousClock.now).cacheNanoseconds
        #endif
    }

    #if !canImport(Glibc) && !canImport(Darwin)
        @usableFromInline static let fallbackEpoch = ContinuousClock.now
    #endif
}

/// The system's coarse monotonic clock, counted from the moment it was created: a few
/// nanoseconds per read instead of the tens a precise read costs, in exchange for advancing in
/// ticks (``resolution``, typically 1 to 4 ms on Linux).
///
/// For a layer whose hits would otherwise spend most of their time reading the clock, such as a
/// `TTLCache` with short keys. An entry then expires up to one tick late, and two operations
/// within a tick see the same instant.
///
/// ```swift
/// let sessions = TTLCache(
///     base: LRUCache<String, Expiring<Session>>(capacity: 10_000), defaultTTL: .seconds(300),
///     clock: CoarseCacheClock())
/// ```
public struct CoarseCacheClock: CacheClock {
    @usableFromInline let origin: Int64

    /// A clock whose origin is now.
    public init() {
        origin = Self.systemNanoseconds()
    }

    /// The time since the clock was created, to the last tick.
    @inlinable
    public var now: CacheInstant {
        CacheInstant(nanoseconds: Self.systemNanoseconds() &- origin)
    }

    /// How far apart its ticks are.
    public var resolution: Duration {
        #if canImport(Glibc)
            var time = timespec()
            clock_getres(CLOCK_MONOTONIC_COARSE, &time)
            return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
        #else
            return .nanoseconds(1)  // precise where no coarse clock is used
        #endif
    }

    /// The system's coarse monotonic time in nanoseconds (the precise clock elsewhere).
    @inlinable
    static func systemNanoseconds() -> Int64 {
        #if canImport(Glibc)
            return nanoseconds(of: CLOCK_MONOTONIC_COARSE)
        #else
            return MonotonicCacheClock.systemNanoseconds()
        #endif
    }
}

#if canImport(Glibc)
    /// The time of the system clock `clock`, in nanoseconds.
    @inlinable
    func nanoseconds(of clock: clockid_t) -> Int64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
#endif

/// Reads a ``CacheClock`` on a layer's hot path: the two system clocks directly, any other
/// through the protocol.
///
/// Through `any CacheClock`, each read is a witness call, and the optimizer merges the two
/// system clocks' witnesses into one function that takes the clock's id, which costs a TTL hit
/// about a twentieth of its instructions. A layer stores a reader instead of the existential.
@usableFromInline
package struct CacheClockReader: Sendable {
    /// Which clock it reads. Kept apart from the existential: an enum carrying it would copy it
    /// (retain and release) on every read.
    @usableFromInline
    enum Kind: Sendable {
        case monotonic, coarse, other
    }

    @usableFromInline let kind: Kind
    /// The system clock's origin.
    @usableFromInline let origin: Int64
    /// Any other clock.
    @usableFromInline let other: (any CacheClock)?

    /// A reader of `clock`.
    package init(_ clock: any CacheClock) {
        if let clock = clock as? MonotonicCacheClock {
            (kind, origin, other) = (.monotonic, clock.origin, nil)
        } else if let clock = clock as? CoarseCacheClock {
            (kind, origin, other) = (.coarse, clock.origin, nil)
        } else {
            (kind, origin, other) = (.other, 0, clock)
        }
    }

    /// The clock's current instant, in nanoseconds since its origin.
    @inlinable
    package var nanoseconds: Int64 {
        switch kind {
        case .monotonic: MonotonicCacheClock.systemNanoseconds() &- origin
        case .coarse: CoarseCacheClock.systemNanoseconds() &- origin
        case .other: other.unsafelyUnwrapped.now.nanoseconds
        }
    }

    /// The clock's current instant.
    @inlinable
    package var now: CacheInstant { CacheInstant(nanoseconds: nanoseconds) }
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
