import Glibc

/// Milliseconds on the system's coarse monotonic clock (`CLOCK_MONOTONIC_COARSE`): a few
/// nanoseconds to read, which matters on the per-command path, and precise to a few milliseconds,
/// which is all timeouts and idle checks need.
enum CoarseClock {
    @inline(__always)
    static var milliseconds: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// `duration` in whole milliseconds, at least 1 for a positive duration.
    @inline(__always)
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let total = seconds &* 1000 &+ attoseconds / 1_000_000_000_000_000
        return total == 0 && duration > .zero ? 1 : total
    }
}
