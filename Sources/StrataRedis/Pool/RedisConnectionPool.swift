import StrataRESP
import StrataSync
import Synchronization

/// The connections of one client: a few shared connections that ordinary commands multiplex over
/// (automatically pipelined), and exclusive leases for stateful or blocking work (WATCH/MULTI/EXEC,
/// BLPOP, SUBSCRIBE).
///
/// Connections open lazily (or `minimumConnections` eagerly). A connection that fails is dropped and
/// the next command opens a new one; after consecutive failures, attempts are spaced by
/// exponential backoff with jitter. Waiting for a lease is bounded in time and in the number of
/// waiters, so a stuck server cannot make memory grow without bound.
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
        /// Connection attempts that failed in a row.
        public var consecutiveFailures: Int
    }

    private struct IdleLease {
        var connection: RedisConnection
        var since: ContinuousClock.Instant
    }

    private struct LeaseWaiter {
        var id: UInt64
        var continuation: CheckedContinuation<RedisConnection?, any Error>
    }

    private struct State {
        var shared: [RedisConnection] = []
        var opening: Task<RedisConnection, any Error>?
        var leasedInUse = 0
        var leasedIdle: [IdleLease] = []
        var waiters = RingBuffer<LeaseWaiter>(capacity: 8)
        var nextWaiterID: UInt64 = 0
        var consecutiveFailures = 0
        var nextAttempt: ContinuousClock.Instant?
        var lastFailure: RedisClientError?
        var isShutDown = false
        /// What every new connection runs after its handshake: `CLIENT TRACKING ON REDIRECT ...`.
        var setup: ConnectionSetup?
        var setupVersion = 0
    }

    /// Commands run on every connection right after its handshake, before anyone uses it.
    struct ConnectionSetup: Sendable {
        var commands: [[String]]
    }

    /// The settings the pool was created with.
    public let configuration: RedisConfiguration
    let loop: RedisEventLoop
    private let state = StrataMutex(State())
    private let pushHandler: (@Sendable (RESPValue) -> Void)?

    init(
        configuration: RedisConfiguration,
        loop: RedisEventLoop = .shared,
        pushHandler: (@Sendable (RESPValue) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.loop = loop
        self.pushHandler = pushHandler
    }

    /// What the pool holds right now.
    public var snapshot: Snapshot {
        state.withLock { s in
            Snapshot(
                sharedConnections: s.shared.count,
                commandsInFlight: s.shared.reduce(0) { $0 + $1.inFlight },
                leasedInUse: s.leasedInUse,
                leasedIdle: s.leasedIdle.count,
                waiters: s.waiters.count,
                consecutiveFailures: s.consecutiveFailures)
        }
    }

    // MARK: Shared connections

    /// The open shared connections.
    func sharedSnapshot() -> [RedisConnection] {
        state.withLock { $0.shared }
    }

    /// A shared connection for one command: the first one that is not busy, opening another while
    /// all are busy and the pool has room.
    func sharedConnection() async throws(RedisClientError) -> RedisConnection {
        enum Choice {
            case use(RedisConnection)
            case wait(Task<RedisConnection, any Error>)
            case fail(RedisClientError)
        }
        let pool = configuration.pool
        let choice = state.withLock { s -> Choice in
            if s.isShutDown { return .fail(RedisClientError(.shutdown, "the client was shut down")) }
            var leastBusy: RedisConnection?
            var open = 0
            for connection in s.shared {
                // Closed but not yet removed (its close handler, which tells the listeners, runs
                // after its callers hear of it): never handed out.
                if connection.isClosed { continue }
                open += 1
                let load = connection.inFlight
                if load < pool.commandsPerConnectionBeforeSpreading { return .use(connection) }
                if load < pool.maximumCommandsPerConnection, leastBusy.map({ load < $0.inFlight }) ?? true {
                    leastBusy = connection
                }
            }
            if open < pool.maximumConnections {
                if let opening = s.opening { return leastBusy.map(Choice.use) ?? .wait(opening) }
                if let leastBusy, s.nextAttempt.map({ ContinuousClock.now < $0 }) ?? false { return .use(leastBusy) }
                let task = openTask(shared: true)
                s.opening = task
                return leastBusy.map(Choice.use) ?? .wait(task)
            }
            if let leastBusy { return .use(leastBusy) }
            return .fail(
                RedisClientError(
                    .poolExhausted,
                    "every shared connection has \(pool.maximumCommandsPerConnection) commands in flight"))
        }
        switch choice {
        case .use(let connection): return connection
        case .fail(let error): throw error
        case .wait(let task):
            do {
                return try await task.value
            } catch let error as RedisClientError {
                throw error
            } catch {
                throw RedisClientError(.connectionFailed, "\(error)")
            }
        }
    }

    /// Starts opening a connection, honouring the backoff after failures.
    private func openTask(shared: Bool) -> Task<RedisConnection, any Error> {
        Task {
            let wait = state.withLock { s -> Duration? in
                guard let next = s.nextAttempt else { return nil }
                let left = next - .now
                return left > .zero ? left : nil
            }
            if let wait {
                if wait > configuration.connectTimeout {
                    let error = state.withLock { s -> RedisClientError in
                        if shared { s.opening = nil }
                        return RedisClientError(
                            .connectionFailed,
                            "\(s.lastFailure?.message ?? "the server is unreachable"); next attempt in \(wait)")
                    }
                    throw error
                }
                try? await Task.sleep(for: wait)
            }
            do {
                let connection = try await RedisConnection.open(
                    configuration, loop: loop, pushHandler: pushHandler,
                    closeHandler: { [weak self] error in self?.connectionClosed(error) })
                // Run the setup, and again if it changed meanwhile, so no connection joins the pool
                // without it (client tracking depends on it).
                var appliedVersion = -1
                var accepted = false
                while true {
                    let (setup, version) = state.withLock { ($0.setup, $0.setupVersion) }
                    if version != appliedVersion, let setup {
                        do {
                            try await Self.apply(setup, to: connection, timeout: configuration.connectTimeout)
                        } catch {
                            connection.close(RedisClientError(.connectionFailed, "connection setup failed: \(error)"))
                            throw RedisClientError(.connectionFailed, "connection setup failed: \(error)")
                        }
                    }
                    appliedVersion = version
                    let settled = state.withLock { s -> Bool in
                        guard s.setupVersion == appliedVersion else { return false }
                        s.consecutiveFailures = 0
                        s.nextAttempt = nil
                        s.lastFailure = nil
                        if shared { s.opening = nil }
                        accepted = !s.isShutDown
                        if accepted && shared { s.shared.append(connection) }
                        return true
                    }
                    if settled { break }
                }
                if !accepted {
                    connection.close(RedisClientError(.shutdown, "the client was shut down"))
                    throw RedisClientError(.shutdown, "the client was shut down")
                }
                return connection
            } catch let error as RedisClientError {
                state.withLock { s in
                    s.consecutiveFailures += 1
                    s.lastFailure = error
                    let delay = configuration.reconnectBackoff.delay(
                        afterFailures: s.consecutiveFailures, random: Double.random(in: 0...1))
                    s.nextAttempt = .now + delay
                    if shared { s.opening = nil }
                }
                throw error
            }
        }
    }

    /// Drops closed connections from the shared list and tells the listener.
    private func connectionClosed(_ error: RedisClientError) {
        let listener = state.withLock { s -> (@Sendable (RedisClientError) -> Void)? in
            let before = s.shared.count
            s.shared.removeAll { $0.isClosed }
            return s.shared.count < before ? closeListener.withLock { $0 } : nil
        }
        listener?(error)
    }

    /// Called when a shared connection closes (client tracking: its tracked keys are forgotten).
    let closeListener = StrataMutex<(@Sendable (RedisClientError) -> Void)?>(nil)

    /// Installs commands every connection runs after its handshake (or removes them with `nil`),
    /// and runs them on the shared connections open now. Returns once all ran.
    func installSetup(_ setup: ConnectionSetup?, andRunNow commands: [[String]]) async throws {
        let connections = state.withLock { s -> [RedisConnection] in
            s.setup = setup
            s.setupVersion += 1
            return s.shared
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

    /// Opens `minimumConnections` shared connections now.
    func warmUp() async {
        for _ in 0..<configuration.pool.minimumConnections {
            let task = state.withLock { s -> Task<RedisConnection, any Error>? in
                guard !s.isShutDown, s.shared.count < configuration.pool.minimumConnections, s.opening == nil
                else { return nil }
                let task = openTask(shared: true)
                s.opening = task
                return task
            }
            guard let task else { return }
            _ = try? await task.value
        }
    }

    // MARK: Leases

    /// A connection for the caller alone, until ``release(_:reusable:)``.
    func lease() async throws(RedisClientError) -> RedisConnection {
        enum Step {
            case reuse(RedisConnection, needsCheck: Bool)
            case open
            case wait(UInt64)
            case fail(RedisClientError)
        }
        let pool = configuration.pool
        while true {
            let step = state.withLock { s -> Step in
                if s.isShutDown { return .fail(RedisClientError(.shutdown, "the client was shut down")) }
                while let idle = s.leasedIdle.popLast() {
                    guard !idle.connection.isClosed else { continue }
                    s.leasedInUse += 1
                    return .reuse(
                        idle.connection, needsCheck: ContinuousClock.now - idle.since > pool.idleCheckInterval)
                }
                if s.leasedInUse < pool.maximumLeasedConnections {
                    s.leasedInUse += 1
                    return .open
                }
                guard s.waiters.count < pool.maximumWaiters else {
                    return .fail(
                        RedisClientError(
                            .poolExhausted,
                            "all \(pool.maximumLeasedConnections) leased connections are in use and "
                                + "\(pool.maximumWaiters) callers already wait"))
                }
                s.nextWaiterID += 1
                return .wait(s.nextWaiterID)
            }
            switch step {
            case .fail(let error):
                throw error
            case .reuse(let connection, let needsCheck):
                if needsCheck {
                    let healthy =
                        (try? await connection.send(timeout: configuration.commandTimeout) { $0.writeCommand("PING") })
                        != nil
                    if !healthy {
                        connection.close(
                            RedisClientError(.connectionClosed, "the idle connection failed its health check"))
                        state.withLock { $0.leasedInUse -= 1 }
                        continue
                    }
                }
                return connection
            case .open:
                do {
                    return try await openTask(shared: false).value
                } catch {
                    releaseSlot()
                    if let error = error as? RedisClientError { throw error }
                    throw RedisClientError(.connectionFailed, "\(error)")
                }
            case .wait(let id):
                if let connection = try await waitForLease(id) { return connection }
            }
        }
    }

    /// Waits until a leased connection is released (returning it), or a slot frees (returning `nil`).
    private func waitForLease(_ id: UInt64) async throws(RedisClientError) -> RedisConnection? {
        let timeout = configuration.pool.leaseTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.failWaiter(id, RedisClientError(.poolExhausted, "no connection could be leased within \(timeout)"))
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let enqueued = state.withLock { s -> Bool in
                        guard !s.isShutDown else { return false }
                        s.waiters.append(LeaseWaiter(id: id, continuation: continuation))
                        return true
                    }
                    if !enqueued {
                        continuation.resume(throwing: RedisClientError(.shutdown, "the client was shut down"))
                    }
                }
            } onCancel: { [weak self] in
                self?.failWaiter(
                    id, RedisClientError(.cancelled, "the task was cancelled while waiting for a connection"))
            }
        } catch let error as RedisClientError {
            throw error
        } catch {
            throw RedisClientError(.cancelled, "\(error)")
        }
    }

    private func failWaiter(_ id: UInt64, _ error: RedisClientError) {
        let continuation = state.withLock { s -> CheckedContinuation<RedisConnection?, any Error>? in
            var kept = RingBuffer<LeaseWaiter>(capacity: max(8, s.waiters.count))
            var found: CheckedContinuation<RedisConnection?, any Error>?
            while let waiter = s.waiters.popFirst() {
                if waiter.id == id { found = waiter.continuation } else { kept.append(waiter) }
            }
            s.waiters = kept
            return found
        }
        continuation?.resume(throwing: error)
    }

    /// Gives a leased connection back. One whose state is unknown (an error, an open transaction, a
    /// subscription) must not be reused: pass `reusable: false` and it is closed.
    func release(_ connection: RedisConnection, reusable: Bool) {
        if !reusable || connection.isClosed {
            if !connection.isClosed {
                connection.close(
                    RedisClientError(.connectionClosed, "the leased connection was released in an unknown state"))
            }
            releaseSlot()
            return
        }
        let waiter = state.withLock { s -> LeaseWaiter? in
            if s.isShutDown {
                s.leasedInUse -= 1
                return nil
            }
            if let waiter = s.waiters.popFirst() { return waiter }  // hand over directly; still in use
            s.leasedInUse -= 1
            s.leasedIdle.append(IdleLease(connection: connection, since: .now))
            return nil
        }
        if let waiter {
            waiter.continuation.resume(returning: connection)
        } else if state.withLock({ $0.isShutDown }) {
            connection.close(RedisClientError(.shutdown, "the client was shut down"))
        }
    }

    /// A lease ended without a connection to give back: wake one waiter to open its own.
    private func releaseSlot() {
        let waiter = state.withLock { s -> LeaseWaiter? in
            s.leasedInUse -= 1
            return s.waiters.popFirst()
        }
        waiter?.continuation.resume(returning: nil)
    }

    // MARK: Health and shutdown

    /// Pings shared and idle leased connections that have been silent longer than `idleCheckInterval`,
    /// closing the ones that do not answer, so a dead link is found before a caller needs it.
    func checkIdleConnections() async {
        let interval = configuration.pool.idleCheckInterval
        let now = ContinuousClock.now
        let candidates = state.withLock { s in
            s.shared.filter { $0.inFlight == 0 && $0.idleTime > interval }
                + s.leasedIdle.filter { now - $0.since > interval }.map(\.connection)
        }
        for connection in candidates {
            do {
                _ = try await connection.send(timeout: configuration.commandTimeout ?? .seconds(5)) {
                    $0.writeCommand("PING")
                }
            } catch {
                connection.close(
                    RedisClientError(.connectionClosed, "the idle connection failed its health check: \(error)"))
            }
        }
        state.withLock { s in
            s.leasedIdle.removeAll { $0.connection.isClosed }
            s.shared.removeAll { $0.isClosed }
        }
    }

    /// Stops handing out connections, waits up to `gracePeriod` for commands in flight, then closes
    /// every connection and fails every waiter.
    func shutdown(gracePeriod: Duration) async {
        let waiters = state.withLock { s -> [LeaseWaiter] in
            s.isShutDown = true
            return s.waiters.removeAll()
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: RedisClientError(.shutdown, "the client was shut down"))
        }
        let deadline = ContinuousClock.now + gracePeriod
        while ContinuousClock.now < deadline, snapshot.commandsInFlight > 0 {
            try? await Task.sleep(for: .milliseconds(2))
        }
        let connections = state.withLock { s -> [RedisConnection] in
            defer {
                s.shared = []
                s.leasedIdle = []
            }
            return s.shared + s.leasedIdle.map(\.connection)
        }
        for connection in connections {
            connection.close(RedisClientError(.shutdown, "the client was shut down"))
        }
    }
}
