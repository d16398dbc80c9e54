import Glibc
import StrataCache

/// The time source of a ``TieredCache``: a monotonic clock for local decisions, and wall time
/// (Unix milliseconds) for the expiry times that app instances share through Redis.
///
/// Tests inject a manual implementation so nothing sleeps.
public protocol TierClock: CacheClock {
    /// The wall clock, in milliseconds since 1970.
    var unixMilliseconds: Int64 { get }
    /// The wall clock, in microseconds since 1970: orders the writes of one key (entry
    /// versions). Defaults to `unixMilliseconds * 1000`.
    var unixMicroseconds: Int64 { get }
}

extension TierClock {
    /// `unixMilliseconds * 1000`.
    public var unixMicroseconds: Int64 { unixMilliseconds * 1000 }
}

/// The system clocks: `ContinuousClock` and `CLOCK_REALTIME`.
public struct SystemTierClock: TierClock {
    private let monotonic = MonotonicCacheClock()

    /// Creates the system clock.
    public init() {}

    public var now: CacheInstant { monotonic.now }

    /// `CLOCK_REALTIME_COARSE`: millisecond resolution at a few nanoseconds per read, which is
    /// what expiry times in milliseconds need.
    public var unixMilliseconds: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// `CLOCK_REALTIME`: the precise wall clock (the coarse one ticks only every few
    /// milliseconds, which would give two writes of a key in a row the same version).
    public var unixMicroseconds: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }
}

extension Duration {
    /// Whole milliseconds, rounded down (saturating).
    var tierMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds > 0 ? .max : .min }
        return scaled &+ attoseconds / 1_000_000_000_000_000
    }
}
