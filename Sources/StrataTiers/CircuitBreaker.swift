import StrataCache
import StrataRedis
import StrataSync
import Synchronization

/// Skips a failing tier for a while instead of waiting on it for every read, then lets one probe
/// through to see whether it recovered.
///
/// Closed: every call goes through; `failureThreshold` consecutive failures open it. Open: calls
/// are refused until `openDuration` passed. Half-open: one call goes through as a probe; its
/// success closes the breaker, its failure opens it again.
final class CircuitBreaker: Sendable {
    enum Phase: Sendable, Equatable {
        case closed
        case open(until: CacheInstant)
        case halfOpen
    }

    private struct State {
        var phase = Phase.closed
        var consecutiveFailures = 0
        var probeInFlight = false
    }

    let failureThreshold: Int
    let openDuration: Duration
    private let clock: any CacheClock
    /// The tier's name, for the observer.
    private let name: String
    private let observer: (any StrataObserver)?
    private let state = StrataMutex(State())
    /// Mirror `phase == .closed` and `consecutiveFailures == 0`, so the common case needs no lock.
    private let closed = Atomic<Bool>(true)
    private let clean = Atomic<Bool>(true)

    init(
        failureThreshold: Int,
        openDuration: Duration,
        clock: any CacheClock,
        name: String = "",
        observer: (any StrataObserver)? = nil
    ) {
        self.name = name
        self.observer = observer
        self.failureThreshold = max(1, failureThreshold)
        self.openDuration = openDuration
        self.clock = clock
    }

    var phase: Phase { state.withLock { $0.phase } }

    /// Whether a call may go to the tier now. A `true` in half-open state makes the caller the probe.
    func allow() -> Bool {
        if closed.load(ordering: .relaxed) { return true }
        return state.withLock { s in
            switch s.phase {
            case .closed:
                return true
            case .open(let until):
                guard clock.now >= until else { return false }
                s.phase = .halfOpen
                s.probeInFlight = true
                return true
            case .halfOpen:
                guard !s.probeInFlight else { return false }
                s.probeInFlight = true
                return true
            }
        }
    }

    /// Whether the breaker is closed (quick check without side effects).
    var isClosed: Bool { state.withLock { $0.phase == .closed } }

    func recordSuccess() {
        if closed.load(ordering: .relaxed) && clean.load(ordering: .relaxed) { return }
        let reopened = state.withLock { s -> Bool in
            let wasOpen = s.phase != .closed
            s.consecutiveFailures = 0
            s.probeInFlight = false
            s.phase = .closed
            closed.store(true, ordering: .relaxed)
            clean.store(true, ordering: .relaxed)
            return wasOpen
        }
        if reopened, let observer { observer.observe(.breakerClosed(tier: name)) }
    }

    func recordFailure() {
        let opened = state.withLock { s -> Bool in
            s.consecutiveFailures += 1
            s.probeInFlight = false
            clean.store(false, ordering: .relaxed)
            guard s.phase == .halfOpen || s.consecutiveFailures >= failureThreshold else { return false }
            // Reported when it opens, not each time a failure keeps it open.
            let wasClosed = s.phase == .closed
            s.phase = .open(until: clock.now.advanced(by: openDuration))
            closed.store(false, ordering: .relaxed)
            return wasClosed
        }
        if opened, let observer { observer.observe(.breakerOpened(tier: name)) }
    }
}
