import StrataCache
import Synchronization

/// A clock that moves only when a test advances it.
public final class ManualClock: CacheClock {
    private let nanoseconds: Atomic<Int64>

    /// A clock at `start` nanoseconds.
    public init(start: Int64 = 0) {
        nanoseconds = Atomic(start)
    }

    /// The current instant.
    public var now: CacheInstant {
        CacheInstant(nanoseconds: nanoseconds.load(ordering: .acquiring))
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        nanoseconds.add(duration.cacheNanoseconds, ordering: .acquiringAndReleasing)
    }
}
