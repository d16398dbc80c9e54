/// A connection as the pool's decisions see it.
protocol PoolConnection: AnyObject, Sendable {
    /// Commands waiting for their reply on it.
    var inFlight: Int { get }
    /// Whether it closed (it is then never handed out).
    var isClosed: Bool { get }
    /// How long ago it last sent or received anything.
    var idleTime: Duration { get }
}

/// The decisions of ``RedisConnectionPool``, without I/O: which connection a command uses, when to
/// open one, who waits, who is woken, what a release or a closed connection changes, what shutdown
/// fails. Every method is a step taken under the pool's lock, so deciding and queuing can never be
/// torn apart by a release in between; each returns what the pool must then do (resume a waiter,
/// open, close), which the pool carries out after the lock is released.
///
/// Generic over the connection and over what a waiter is (a continuation in the pool, a label in
/// tests), so it is tested without sockets.
struct PoolStateMachine<Connection: PoolConnection, Waiter: Sendable> {
    typealias Instant = ContinuousClock.Instant

    /// The sizes and times the decisions follow.
    struct Limits {
        var maximumShared: Int
        var spreadThreshold: Int
        var maximumCommandsPerConnection: Int
        var maximumLeased: Int
        var maximumWaiters: Int
        var idleCheckInterval: Duration
        var connectTimeout: Duration
        var backoff: RedisConfiguration.Backoff

        init(_ configuration: RedisConfiguration) {
            maximumShared = configuration.pool.maximumConnections
            spreadThreshold = configuration.pool.commandsPerConnectionBeforeSpreading
            maximumCommandsPerConnection = configuration.pool.maximumCommandsPerConnection
            maximumLeased = configuration.pool.maximumLeasedConnections
            maximumWaiters = configuration.pool.maximumWaiters
            idleCheckInterval = configuration.pool.idleCheckInterval
            connectTimeout = configuration.connectTimeout
            backoff = configuration.reconnectBackoff
        }
    }

    private struct IdleLease {
        var connection: Connection
        var since: Instant
    }

    private struct Queued: Sendable {
        var id: UInt64
        var waiter: Waiter
    }

    let limits: Limits
    private(set) var shared: [Connection] = []
    /// A shared connection is being opened; callers that need one wait for it.
    private(set) var openingShared = false
    private var sharedWaiters: [Queued] = []
    /// Lease slots taken: connections in use by a caller, or being opened for one.
    private(set) var leasedInUse = 0
    private var idle: [IdleLease] = []
    private var leaseWaiters = RingBuffer<Queued>(capacity: 8)
    private(set) var consecutiveFailures = 0
    private var nextAttempt: Instant?
    private var lastFailure: RedisClientError?
    private(set) var isShutDown = false

    init(limits: Limits) {
        self.limits = limits
    }

    static var shutDownError: RedisClientError { RedisClientError(.shutdown, "the client was shut down") }
    /// The same, for a caller that never got a connection: its command was not sent, so a Redis
    /// Cluster client retiring this node's client sends it to the slot's new owner instead.
    static var shutDownBeforeSending: RedisClientError { shutDownError.notSent }

    var sharedWaiterCount: Int { sharedWaiters.count }
    var leaseWaiterCount: Int { leaseWaiters.count }
    var idleCount: Int { idle.count }
    var idleConnections: [Connection] { idle.map(\.connection) }

    // MARK: Opening and backoff

    /// How long to wait before the next connection attempt (`nil`: now), or the error to fail with
    /// when that wait is longer than a connect timeout.
    private func attemptDelay(now: Instant) -> Result<Duration?, RedisClientError> {
        guard let next = nextAttempt, next > now else { return .success(nil) }
        let wait = next - now
        if wait > limits.connectTimeout {
            return .failure(
                RedisClientError(
                    .connectionFailed,
                    "\(lastFailure?.message ?? "the server is unreachable"); next attempt in \(wait)"))
        }
        return .success(wait)
    }

    /// The wait before opening for a lease slot granted to a woken waiter; a failure frees the slot.
    func leaseOpenDelay(now: Instant) -> Result<Duration?, RedisClientError> {
        attemptDelay(now: now)
    }

    private mutating func recordFailure(_ error: RedisClientError, now: Instant, random: Double) {
        consecutiveFailures += 1
        lastFailure = error
        nextAttempt = now + limits.backoff.delay(afterFailures: consecutiveFailures, random: random)
    }

    private mutating func recordSuccess() {
        consecutiveFailures = 0
        nextAttempt = nil
        lastFailure = nil
    }

    // MARK: Shared connections

    /// What a caller that needs a shared connection does.
    enum SharedDecision {
        case use(Connection)
        /// Use this connection, and start opening another one (after `delay`) for the callers to come.
        case useAndOpen(Connection, delay: Duration?)
        /// Wait for the connection being opened.
        case wait
        /// Start opening a shared connection (after `delay`), then wait for it.
        case open(delay: Duration?)
        case fail(RedisClientError)
    }

    /// A shared connection for one command: the first one that is not busy, opening another while
    /// all are busy and the pool has room. After `.open` or `.wait`, the caller queues itself with
    /// ``waitForShared(_:id:)``.
    mutating func sharedConnection(now: @autoclosure () -> Instant) -> SharedDecision {
        if isShutDown { return .fail(Self.shutDownBeforeSending) }
        var leastBusy: Connection?
        var open = 0
        for connection in shared where !connection.isClosed {
            open += 1
            let load = connection.inFlight
            if load < limits.spreadThreshold { return .use(connection) }
            if load < limits.maximumCommandsPerConnection, leastBusy.map({ load < $0.inFlight }) ?? true {
                leastBusy = connection
            }
        }
        if open < limits.maximumShared {
            if openingShared { return leastBusy.map(SharedDecision.use) ?? .wait }
            let now = now()  // read the clock only here: the common case above never needs it
            // While backing off after failures, keep using what is open rather than wait.
            if let leastBusy, let next = nextAttempt, now < next { return .use(leastBusy) }
            switch attemptDelay(now: now) {
            case .failure(let error):
                return leastBusy.map(SharedDecision.use) ?? .fail(error)
            case .success(let delay):
                openingShared = true
                if let leastBusy { return .useAndOpen(leastBusy, delay: delay) }
                return .open(delay: delay)
            }
        }
        if let leastBusy { return .use(leastBusy) }
        return .fail(
            RedisClientError(
                .poolExhausted,
                "every shared connection has \(limits.maximumCommandsPerConnection) commands in flight"))
    }

    /// A shared connection that is open and not busy, if there is one: the common case, decided
    /// without reading the clock or building a decision.
    func availableShared() -> Connection? {
        guard !isShutDown else { return nil }
        for connection in shared where !connection.isClosed && connection.inFlight < limits.spreadThreshold {
            return connection
        }
        return nil
    }

    /// What a caller that must wait for a shared connection gets when it queues itself.
    enum SharedWait {
        /// Queued: resumed when the connection being opened is ready (or failed).
        case queued
        /// Nothing is being opened any more (it finished in between): decide again.
        case retry
        case fail(RedisClientError)
    }

    /// Queues a waiter for the shared connection being opened. Checked here, under the same lock
    /// as the open's completion, so a waiter can never queue for an open that already finished.
    mutating func waitForShared(_ waiter: Waiter, id: UInt64) -> SharedWait {
        if isShutDown { return .fail(Self.shutDownBeforeSending) }
        guard openingShared else { return .retry }
        guard sharedWaiters.count < limits.maximumWaiters else {
            return .fail(
                RedisClientError(
                    .poolExhausted, "\(limits.maximumWaiters) callers already wait for a connection to open"))
        }
        sharedWaiters.append(Queued(id: id, waiter: waiter))
        return .queued
    }

    /// What eager opening does next.
    enum WarmUpStep {
        /// Open one more shared connection: the open in progress (`sharedOpened`/`sharedOpenFailed` end it).
        case open
        /// Another open is in progress: wait for it, then ask again.
        case wait
        case done
    }

    /// The next step towards `minimum` shared connections.
    mutating func warmUpStep(minimum: Int) -> WarmUpStep {
        guard !isShutDown, shared.count < min(minimum, limits.maximumShared) else { return .done }
        if openingShared { return .wait }
        openingShared = true
        return .open
    }

    /// A shared connection opened: it joins the pool and the waiters get it. `accepted` is false
    /// when the pool shut down meanwhile: close it (the waiters were already failed).
    mutating func sharedOpened(_ connection: Connection) -> (accepted: Bool, waiters: [Waiter]) {
        openingShared = false
        recordSuccess()
        guard !isShutDown else { return (false, []) }
        shared.append(connection)
        defer { sharedWaiters.removeAll() }
        return (true, sharedWaiters.map(\.waiter))
    }

    /// Opening a shared connection failed: its waiters fail with `error`.
    mutating func sharedOpenFailed(_ error: RedisClientError, now: Instant, random: Double) -> [Waiter] {
        openingShared = false
        recordFailure(error, now: now, random: random)
        defer { sharedWaiters.removeAll() }
        return sharedWaiters.map(\.waiter)
    }

    /// A waiter for a shared connection gave up (cancelled); returns it if it was still queued.
    mutating func cancelSharedWaiter(_ id: UInt64) -> Waiter? {
        guard let index = sharedWaiters.firstIndex(where: { $0.id == id }) else { return nil }
        return sharedWaiters.remove(at: index).waiter
    }

    // MARK: Leases

    /// What a caller that needs a leased connection does.
    enum LeaseDecision {
        /// An idle connection; check it with `PING` first when it sat idle long.
        case use(Connection, check: Bool)
        /// A slot is the caller's: open a connection (after `delay`).
        case open(delay: Duration?)
        /// The waiter was queued; the pool resumes it with a connection or with a slot to open.
        case wait
        case fail(RedisClientError)
    }

    /// A connection for one caller alone. Waiters are served first come, first served: a new
    /// caller never takes a connection or slot ahead of one already waiting.
    mutating func lease(_ waiter: Waiter, id: UInt64, now: Instant) -> LeaseDecision {
        if isShutDown { return .fail(Self.shutDownBeforeSending) }
        if leaseWaiters.isEmpty {
            while let candidate = idle.popLast() {
                guard !candidate.connection.isClosed else { continue }
                leasedInUse += 1
                return .use(candidate.connection, check: now - candidate.since > limits.idleCheckInterval)
            }
            if leasedInUse < limits.maximumLeased {
                switch attemptDelay(now: now) {
                case .failure(let error): return .fail(error)
                case .success(let delay):
                    leasedInUse += 1
                    return .open(delay: delay)
                }
            }
        }
        guard leaseWaiters.count < limits.maximumWaiters else {
            return .fail(
                RedisClientError(
                    .poolExhausted,
                    "all \(limits.maximumLeased) leased connections are in use and "
                        + "\(limits.maximumWaiters) callers already wait"))
        }
        leaseWaiters.append(Queued(id: id, waiter: waiter))
        return .wait
    }

    /// What to do with a connection given back.
    enum ReleaseAction {
        /// Resume this waiter with the connection (it stays in use).
        case handOver(Waiter, Connection)
        /// Kept idle for the next lease.
        case park
        /// Close the connection; a waiter, if given, gets the freed slot to open its own.
        case close(Connection, wake: Waiter?)
    }

    /// Takes every idle leased connection out of the pool (to close: the connection setup
    /// changed, and they ran the old one).
    mutating func takeIdleLeases() -> [Connection] {
        defer { idle.removeAll() }
        return idle.map(\.connection)
    }

    /// A leased connection comes back: reusable (no state left on it) or not.
    mutating func release(_ connection: Connection, reusable: Bool, now: Instant) -> ReleaseAction {
        if !reusable || connection.isClosed || isShutDown {
            return .close(connection, wake: freeSlot())
        }
        if let next = leaseWaiters.popFirst() { return .handOver(next.waiter, connection) }
        leasedInUse -= 1
        idle.append(IdleLease(connection: connection, since: now))
        return .park
    }

    /// A lease slot ends without a connection (an open failed, a health check failed, the caller
    /// gave up): the first waiter, if any, gets the slot.
    mutating func freeSlot() -> Waiter? {
        if !isShutDown, let next = leaseWaiters.popFirst() { return next.waiter }
        leasedInUse -= 1
        return nil
    }

    /// A connection was opened for a lease slot. `false` when the pool shut down meanwhile: close
    /// it (the slot is freed).
    mutating func leaseOpened() -> Bool {
        recordSuccess()
        if isShutDown {
            leasedInUse -= 1
            return false
        }
        return true
    }

    /// Opening a connection for a lease slot failed; the slot goes to the next waiter, if any.
    mutating func leaseOpenFailed(_ error: RedisClientError, now: Instant, random: Double) -> Waiter? {
        recordFailure(error, now: now, random: random)
        return freeSlot()
    }

    /// A lease waiter gave up (timeout or cancellation); returns it if it was still queued.
    mutating func cancelLeaseWaiter(_ id: UInt64) -> Waiter? {
        var kept = RingBuffer<Queued>(capacity: max(8, leaseWaiters.count))
        var removed: Waiter?
        while let next = leaseWaiters.popFirst() {
            if next.id == id { removed = next.waiter } else { kept.append(next) }
        }
        leaseWaiters = kept
        return removed
    }

    // MARK: Connections closing, health, shutdown

    /// A connection closed (its close handler ran). Returns whether it was one of the shared
    /// connections: those carry client tracking, whose listener must hear of the loss.
    mutating func connectionClosed(_ connection: Connection) -> Bool {
        idle.removeAll { $0.connection === connection }
        guard let index = shared.firstIndex(where: { $0 === connection }) else { return false }
        shared.remove(at: index)
        return true
    }

    /// The connections silent for longer than the idle-check interval, to ping.
    func idleCheckCandidates(now: Instant) -> [Connection] {
        let interval = limits.idleCheckInterval
        return shared.filter { !$0.isClosed && $0.inFlight == 0 && $0.idleTime > interval }
            + idle.filter { now - $0.since > interval }.map(\.connection)
    }

    /// What shutting down fails and closes.
    struct ShutdownAction {
        var waiters: [Waiter]
        /// Idle leased connections: close now.
        var idle: [Connection]
        /// Shared connections: close once their commands finished (or the grace period ran out).
        var shared: [Connection]
    }

    /// Stops handing out connections. Leased connections in use are closed when released.
    mutating func shutdown() -> ShutdownAction {
        isShutDown = true
        var waiters = sharedWaiters.map(\.waiter)
        sharedWaiters.removeAll()
        while let next = leaseWaiters.popFirst() { waiters.append(next.waiter) }
        let action = ShutdownAction(waiters: waiters, idle: idle.map(\.connection), shared: shared)
        idle.removeAll()
        shared.removeAll()
        return action
    }
}
