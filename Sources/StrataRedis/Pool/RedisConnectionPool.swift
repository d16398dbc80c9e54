import StrataRESP
import StrataSync
import Synchronization

/// The connections of one client: a few shared connections that ordinary commands multiplex over
/// (automatically pipelined), and exclusive leases for stateful or blocking work (WATCH/MULTI/EXEC,
/// BLPOP, SELECT).
///
/// Connections open lazily (or `minimumConnections` eagerly). A connection that fails is dropped and
/// the next command opens a new one; after consecutive failures, attempts are spaced by
/// exponential backoff with jitter. Waiting for a lease is bounded in time and in the number of
/// waiters, so a stuck server cannot make memory grow without bound; waiters are served first
/// come, first served. The decisions are a state machine (`PoolStateMachine`), tested without
/// sockets; this class carries them out.
public final class RedisConnectionPool: Sendable {
    /// What the pool holds right now; for monitoring and tests.
    public struct Snapshot: Sendable, Hashable {
        /// Open shared connections.
        public var sharedConnections: Int
        /// Commands in flight on the shared connections.
        public var commandsInFlight: Int
        /// Leased connections in use.
        public var leasedInUse: Int
        /// Leased connections idle, ready for the next lease.
        public var leasedIdle: Int
        /// Callers waiting for a lease.
        public var waiters: Int
        /// Callers waiting for a shared connection to open (during a reconnection backoff, for
        /// example); their commands are not sent yet.
        public var sharedWaiters: Int
        /// Connection attempts that failed in a row.
        public var consecutiveFailures: Int
    }

    /// A caller waiting for the pool.
    enum Waiter: Sendable {
        /// Resumed with the connection opened (never `nil` once queued).
        case shared(CheckedContinuation<RedisConnection?, any Error>)
        case lease(CheckedContinuation<LeaseGrant, any Error>)

        func fail(_ error: RedisClientError) {
            switch self {
            case .shared(let continuation): continuation.resume(throwing: error)
            case .lease(let continuation): continuation.resume(throwing: error)
            }
        }
    }

    /// What a lease request gets.
    enum LeaseGrant: Sendable {
        /// A connection; check it with `PING` first when it sat idle long.
        case connection(RedisConnection, check: Bool)
        /// A slot: open a connection (after `delay`, the backoff after failures).
        case slot(delay: Duration?)
    }

    typealias Machine = PoolStateMachine<RedisConnection, Waiter>

    private struct State {
        var machine: Machine
        var nextWaiterID: UInt64 = 0
        /// What every new connection runs after its handshake: `CLIENT TRACKING ON REDIRECT ...`.
        var setup: ConnectionSetup?
        var setupVersion = 0

        mutating func newWaiterID() -> UInt64 {
            nextWaiterID += 1
            return nextWaiterID
        }
    }

    /// Commands run on every connection right after its handshake, before anyone uses it.
    struct ConnectionSetup: Sendable {
        var commands: [[String]]
    }

    /// The settings the pool was created with.
    public let configuration: RedisConfiguration
    let loop: RedisEventLoop
    private let state: StrataMutex<State>
    private let pushHandler: (@Sendable (RESPValue) -> Void)?
    private let background: BackgroundWork
    /// Hears of reconnect backoffs and an exhausted pool.
    private let observer: (any StrataObserver)?
    /// Called when a shared connection closes (client tracking: its tracked keys are forgotten).
    let closeListener = StrataMutex<(@Sendable (RedisClientError) -> Void)?>(nil)
    /// For tests: runs after a new connection ran the setup and before it is admitted, to install
    /// a setup in that window.
    let beforeAdmitting = StrataMutex<(@Sendable () async -> Void)?>(nil)

    init(
        configuration: RedisConfiguration,
        loop: RedisEventLoop = .shared,
        background: BackgroundWork,
        pushHandler: (@Sendable (RESPValue) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.observer = configuration.observer
        self.loop = loop
        self.background = background
        self.pushHandler = pushHandler
        self.state = StrataMutex(State(machine: Machine(limits: .init(configuration))))
    }

    /// A pool dropped without `shutdown()` closes its connections: the event loop would otherwise
    /// keep their sockets open for the life of the process.
    deinit {
        closeNow()
    }

    /// Shuts down without a grace period: fails every waiter and closes every connection now (the
    /// client was released without `shutdown()`).
    func closeNow() {
        let action = state.withLock { $0.machine.shutdown() }
        let error = RedisClientError(.shutdown, "the client was released without shutdown()")
        for waiter in action.waiters { waiter.fail(error.notSent) }
        for connection in action.shared + action.idle { connection.close(error) }
    }

    /// What the pool holds right now.
    public var snapshot: Snapshot {
        state.withLock { s in
            let machine = s.machine
            return Snapshot(
                sharedConnections: machine.shared.count,
                commandsInFlight: machine.shared.reduce(0) { $0 + $1.inFlight },
                leasedInUse: machine.leasedInUse,
                leasedIdle: machine.idleCount,
                waiters: machine.leaseWaiterCount,
                sharedWaiters: machine.sharedWaiterCount,
                consecutiveFailures: machine.consecutiveFailures)
        }
    }

    // MARK: Shared connections

    /// The open shared connections.
    func sharedSnapshot() -> [RedisConnection] {
        state.withLock { $0.machine.shared }
    }

    /// An open shared connection that is not busy, if there is one, without suspending: the
    /// common case of every command.
    @inline(__always)
    func availableSharedConnection() -> RedisConnection? {
        state.withLock { $0.machine.availableShared() }
    }

    /// A shared connection for one command: the first one that is not busy, opening another while
    /// all are busy and the pool has room.
    func sharedConnection() async throws(RedisClientError) -> RedisConnection {
        while true {
            let decision = state.withLock { $0.machine.sharedConnection(now: .now) }
            switch decision {
            case .use(let connection):
                return connection
            case .useAndOpen(let connection, let delay):
                startSharedOpen(after: delay)
                return connection
            case .fail(let error):
                if let observer { report(error, to: observer) }
                throw error
            case .open(let delay):
                startSharedOpen(after: delay)
            case .wait:
                break
            }
            if let connection = try await waitForShared() { return connection }
        }
    }

    /// Waits for the shared connection being opened; `nil` when it finished before this caller
    /// could queue (decide again).
    private func waitForShared() async throws(RedisClientError) -> RedisConnection? {
        let id = state.withLock { $0.newWaiterID() }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation {
                    (continuation: CheckedContinuation<RedisConnection?, any Error>) in
                    let outcome = state.withLock { s in
                        s.machine.waitForShared(.shared(continuation), id: id)
                    }
                    switch outcome {
                    case .queued: break
                    case .retry: continuation.resume(returning: nil)
                    case .fail(let error):
                        if let observer { report(error, to: observer) }
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: {
                let waiter = state.withLock { $0.machine.cancelSharedWaiter(id) }
                waiter?.fail(RedisClientError(.cancelled, "the task was cancelled while a connection opened"))
            }
        } catch {
            throw Self.clientError(error)
        }
    }

    /// Opens a shared connection in the background (not in any caller's task, so no caller's
    /// cancellation stops it), then hands it to the callers waiting for it.
    private func startSharedOpen(after delay: Duration?) {
        if let observer, let delay { reportBackoff(delay, to: observer) }
        background.spawn { [weak self] in
            if let delay { try? await Task.sleep(for: delay) }
            guard let self else { return }
            let result: Result<(RedisConnection, (accepted: Bool, waiters: [Waiter])), RedisClientError>
            do throws(RedisClientError) {
                result = .success(try await self.openConnection { s, opened in s.machine.sharedOpened(opened) })
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let (connection, (accepted, waiters))):
                if !accepted { connection.close(Machine.shutDownError) }
                for case .shared(let continuation) in waiters { continuation.resume(returning: connection) }
            case .failure(let error):
                let waiters = self.state.withLock {
                    $0.machine.sharedOpenFailed(error, now: .now, random: Double.random(in: 0...1))
                }
                for waiter in waiters { waiter.fail(error) }
            }
        }
    }

    /// Opens a connection, runs the setup on it, and admits it with `admit`, under the lock and in
    /// the same critical section as the check that the setup is still the one it ran: a setup
    /// installed between that check and the admission would miss the connection, since
    /// ``installSetup(_:andRunNow:)`` runs only on the connections already in the pool (client
    /// tracking depends on it). While the setup keeps changing, runs it again.
    private func openConnection<Admitted>(
        admit: (inout State, RedisConnection) -> Admitted
    ) async throws(RedisClientError) -> (RedisConnection, Admitted) {
        let connection = try await RedisConnection.open(
            configuration, loop: loop, pushHandler: pushHandler,
            closeHandler: { [weak self] error in self?.connectionClosed(error) })
        var appliedVersion = -1
        while true {
            if appliedVersion >= 0, let hook = beforeAdmitting.withLock({ $0 }) { await hook() }
            let (admitted, setup, version) = state.withLock { s -> (Admitted?, ConnectionSetup?, Int) in
                if s.setupVersion == appliedVersion {
                    connection.poolSetupVersion.store(appliedVersion, ordering: .relaxed)
                    return (admit(&s, connection), nil, appliedVersion)
                }
                return (nil, s.setup, s.setupVersion)
            }
            if let admitted { return (connection, admitted) }
            if let setup {
                do {
                    try await Self.apply(setup, to: connection, timeout: configuration.connectTimeout)
                } catch {
                    let failure = RedisClientError(.connectionFailed, "connection setup failed: \(error)")
                    connection.close(failure)
                    throw failure
                }
            }
            appliedVersion = version
        }
    }

    /// A connection closed, for any reason: it leaves the pool, and if it was shared, the listener
    /// hears of it (client tracking: the keys read through it are no longer tracked). Every
    /// removal of a shared connection comes through here, so none is missed.
    private func connectionClosed(_ error: RedisClientError) {
        let listener = state.withLock { s -> (@Sendable (RedisClientError) -> Void)? in
            var wasShared = false
            for connection in s.machine.shared + s.machine.idleConnections where connection.isClosed {
                if s.machine.connectionClosed(connection) { wasShared = true }
            }
            return wasShared ? closeListener.withLock { $0 } : nil
        }
        listener?(error)
    }

    /// Installs commands every connection runs after its handshake (or removes them with `nil`),
    /// and runs `commands` on the shared connections open now. Returns once all ran. Leased
    /// connections that ran the old setup are closed rather than leased again.
    func installSetup(_ setup: ConnectionSetup?, andRunNow commands: [[String]]) async throws {
        let (connections, idleLeases) = state.withLock { s -> ([RedisConnection], [RedisConnection]) in
            s.setup = setup
            s.setupVersion += 1
            return (s.machine.shared, s.machine.takeIdleLeases())
        }
        // Idle leased connections ran the old setup: closed, so the next lease opens one with the
        // new. (One leased now is closed when it comes back; see `release`.)
        for connection in idleLeases {
            connection.close(RedisClientError(.connectionClosed, "the connection setup changed (client tracking)"))
        }
        let now = ConnectionSetup(commands: commands)
        for connection in connections where !connection.isClosed {
            try await Self.apply(now, to: connection, timeout: configuration.commandTimeout ?? .seconds(5))
        }
    }

    private static func apply(_ setup: ConnectionSetup, to connection: RedisConnection, timeout: Duration) async throws
    {
        for command in setup.commands {
            let reply = try await connection.send(timeout: timeout) { $0.writeCommand(command) }
            if let message = reply.errorMessage { throw RedisServerError(message: message) }
        }
    }

    /// Opens `minimumConnections` shared connections now (one at a time, like any shared open).
    func warmUp() async {
        let minimum = configuration.pool.minimumConnections
        while true {
            switch state.withLock({ $0.machine.warmUpStep(minimum: minimum) }) {
            case .done: return
            case .wait:
                do {
                    _ = try await waitForShared()  // nil: it finished before this caller queued
                } catch {
                    return
                }
                continue
            case .open: break
            }
            do throws(RedisClientError) {
                let (connection, (accepted, waiters)) = try await openConnection { s, opened in
                    s.machine.sharedOpened(opened)
                }
                if !accepted { connection.close(Machine.shutDownError) }
                for case .shared(let continuation) in waiters { continuation.resume(returning: connection) }
            } catch {
                let waiters = state.withLock {
                    $0.machine.sharedOpenFailed(error, now: .now, random: Double.random(in: 0...1))
                }
                for waiter in waiters { waiter.fail(error) }
                return
            }
        }
    }

    // MARK: Leases

    /// A connection for the caller alone, until ``release(_:reusable:)``.
    func lease() async throws(RedisClientError) -> RedisConnection {
        while true {
            let grant: LeaseGrant
            do {
                grant = try await requestLease()
            } catch {
                throw Self.clientError(error)
            }
            switch grant {
            case .connection(let connection, let check):
                if check, !(await isHealthy(connection)) {
                    connection.close(RedisClientError(.connectionClosed, "the idle connection failed its health check"))
                    wake(state.withLock { $0.machine.freeSlot() })
                    continue
                }
                return connection
            case .slot(let delay):
                if let delay {
                    if let observer { reportBackoff(delay, to: observer) }
                    do {
                        try await Task.sleep(for: delay)
                    } catch {
                        wake(state.withLock { $0.machine.freeSlot() })
                        throw RedisClientError(.cancelled, "the task was cancelled while waiting for a connection")
                    }
                }
                do throws(RedisClientError) {
                    let (connection, admitted) = try await openConnection { s, _ in s.machine.leaseOpened() }
                    guard admitted else {
                        connection.close(Machine.shutDownError)
                        throw Machine.shutDownBeforeSending
                    }
                    return connection
                } catch {
                    if error.code == .shutdown { throw error }
                    wake(
                        state.withLock {
                            $0.machine.leaseOpenFailed(error, now: .now, random: Double.random(in: 0...1))
                        })
                    throw error
                }
            }
        }
    }

    /// One lease decision, taken and (when it means waiting) queued under one lock; a wait is
    /// bounded by `leaseTimeout`.
    private func requestLease() async throws -> LeaseGrant {
        let id = state.withLock { $0.newWaiterID() }
        let timer = LeaseTimer()
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<LeaseGrant, any Error>) in
                let decision = state.withLock { s in
                    s.machine.lease(.lease(continuation), id: id, now: .now)
                }
                switch decision {
                case .use(let connection, let check):
                    continuation.resume(returning: .connection(connection, check: check))
                case .open(let delay): continuation.resume(returning: .slot(delay: delay))
                case .wait: timer.start(configuration.pool.leaseTimeout) { [weak self] in self?.leaseTimedOut(id) }
                case .fail(let error):
                    if let observer { report(error, to: observer) }
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.machine.cancelLeaseWaiter(id) }
            waiter?.fail(RedisClientError(.cancelled, "the task was cancelled while waiting for a connection"))
        }
    }

    private func leaseTimedOut(_ id: UInt64) {
        guard let waiter = state.withLock({ $0.machine.cancelLeaseWaiter(id) }) else { return }
        let error = RedisClientError(
            .poolExhausted, "no connection could be leased within \(configuration.pool.leaseTimeout)")
        if let observer { report(error, to: observer) }
        waiter.fail(error)
    }

    /// Tells the observer of a caller refused for want of a connection.
    private func report(_ error: RedisClientError, to observer: any StrataObserver) {
        guard error.code == .poolExhausted else { return }
        observer.observe(.poolExhausted(endpoint: configuration.endpoint, reason: error))
    }

    /// Tells the observer that the next connection attempt waits `delay` (connections failing).
    private func reportBackoff(_ delay: Duration, to observer: any StrataObserver) {
        let failures = state.withLock { $0.machine.consecutiveFailures }
        observer.observe(.reconnectScheduled(endpoint: configuration.endpoint, delay: delay, failures: failures))
    }

    /// Resumes a waiter woken with a free slot: it opens a connection of its own (after the
    /// backoff, if connections have been failing).
    private func wake(_ waiter: Waiter?) {
        guard case .lease(let continuation)? = waiter else { return }
        switch state.withLock({ $0.machine.leaseOpenDelay(now: .now) }) {
        case .success(let delay):
            continuation.resume(returning: .slot(delay: delay))
        case .failure(let error):
            continuation.resume(throwing: error)
            wake(state.withLock { $0.machine.freeSlot() })
        }
    }

    private func isHealthy(_ connection: RedisConnection) async -> Bool {
        (try? await connection.send(timeout: configuration.commandTimeout ?? .seconds(5)) { $0.writeCommand("PING") })
            .map { !$0.isError } ?? false
    }

    /// Gives a leased connection back. One with state left on it (an open transaction, a changed
    /// database, replies still owed) must not be reused: pass `reusable: false` and it is closed.
    func release(_ connection: RedisConnection, reusable: Bool) {
        let action = state.withLock { s in
            // One that ran an older setup (client tracking changed while it was leased) is not
            // kept either.
            let current = connection.poolSetupVersion.load(ordering: .relaxed) == s.setupVersion
            return s.machine.release(connection, reusable: reusable && current, now: .now)
        }
        switch action {
        case .handOver(let waiter, let connection):
            guard case .lease(let continuation) = waiter else { return }
            continuation.resume(returning: .connection(connection, check: false))
        case .park:
            break
        case .close(let connection, let waiter):
            if !connection.isClosed {
                connection.close(
                    RedisClientError(
                        .connectionClosed,
                        "the leased connection was closed: it had state left on it, or ran an old setup, when released")
                )
            }
            wake(waiter)
        }
    }

    // MARK: Health and shutdown

    /// Pings shared and idle leased connections that have been silent longer than `idleCheckInterval`,
    /// closing the ones that do not answer, so a dead link is found before a caller needs it. A
    /// closed connection leaves the pool through its close handler (which tells the listener).
    func checkIdleConnections() async {
        let candidates = state.withLock { $0.machine.idleCheckCandidates(now: .now) }
        for connection in candidates where !(await isHealthy(connection)) {
            connection.close(RedisClientError(.connectionClosed, "the idle connection failed its health check"))
        }
    }

    /// Stops handing out connections, waits up to `gracePeriod` for commands in flight, then closes
    /// every connection and fails every waiter.
    func shutdown(gracePeriod: Duration) async {
        let action = state.withLock { $0.machine.shutdown() }
        for waiter in action.waiters { waiter.fail(Machine.shutDownBeforeSending) }
        for connection in action.idle { connection.close(Machine.shutDownError) }
        let deadline = ContinuousClock.now + gracePeriod
        while ContinuousClock.now < deadline, action.shared.contains(where: { $0.inFlight > $0.abandonedReplies }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
        for connection in action.shared { connection.close(Machine.shutDownError) }
    }

    static func clientError(_ error: any Error) -> RedisClientError {
        if let error = error as? RedisClientError { return error }
        if error is CancellationError { return RedisClientError(.cancelled, "the task was cancelled") }
        return RedisClientError(.connectionFailed, "\(error)")
    }
}

extension RedisConnection: PoolConnection {}

/// The timeout of one queued lease request: started only when the request has to wait.
private final class LeaseTimer: Sendable {
    private struct State {
        var task: Task<Void, Never>?
        var cancelled = false
    }
    private let state = StrataMutex(State())

    /// Runs `expire` after `timeout` unless cancelled first.
    func start(_ timeout: Duration, _ expire: @escaping @Sendable () -> Void) {
        // Cancelled by `cancel()` when the wait ends (the requester's defer).
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            expire()
        }
        let cancelNow = state.withLock { s -> Bool in
            if s.cancelled { return true }
            s.task = timer
            return false
        }
        if cancelNow { timer.cancel() }
    }

    func cancel() {
        state.withLock { s -> Task<Void, Never>? in
            s.cancelled = true
            return s.task
        }?.cancel()
    }
}
