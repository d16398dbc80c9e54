import StrataRESP
import StrataSync
import Synchronization

/// Server-assisted client-side caching for one client: a dedicated tracking connection receives
/// the invalidations (RESP3 pushes, or RESP2 messages on `__redis__:invalidate`), and in default
/// mode every connection of the pool redirects its tracking there.
///
/// Whatever could make an invalidation go missing is reported as `trackingLost`: the tracking
/// connection closing or going silent (checked with PING), a pooled connection closing (the server
/// forgets what it read), or the server saying the redirect broke. The hub then reconnects and
/// re-points the pool, and reports `trackingResumed`.
final class TrackingHub: Sendable {
    typealias Listener = @Sendable (RedisInvalidation) -> Void

    struct Options: Sendable, Hashable {
        var mode: RedisTrackingMode
        var noLoop: Bool
        var healthCheckInterval: Duration
    }

    private struct State {
        var options: Options?
        var listeners: [UInt64: Listener] = [:]
        var nextListenerID: UInt64 = 0
        var connection: RedisConnection?
        var active = false
        var reconnecting = false
        var lastHeard = ContinuousClock.now
        /// Counts tracking connections: a loss report from an older one is ignored.
        var generation = 0
        /// Counts start/stop: background loops of an earlier session end.
        var session = 0
    }

    private let configuration: RedisConfiguration
    private let pool: RedisConnectionPool
    private let background: BackgroundWork
    private let state = StrataMutex(State())

    init(configuration: RedisConfiguration, pool: RedisConnectionPool, background: BackgroundWork) {
        self.configuration = configuration
        self.pool = pool
        self.background = background
    }

    var isActive: Bool { state.withLock { $0.active } }

    /// Adds a listener, starting tracking with `options` if it is not on yet.
    func start(_ options: Options, listener: @escaping Listener) async throws -> UInt64 {
        let (id, mustStart) = try state.withLock { s throws -> (UInt64, Bool) in
            if let current = s.options, current != options {
                throw RedisClientError(
                    .unsupported, "client tracking is already on with other options (\(current.mode)); stop it first")
            }
            s.nextListenerID += 1
            s.listeners[s.nextListenerID] = listener
            let mustStart = s.options == nil
            s.options = options
            return (s.nextListenerID, mustStart)
        }
        if mustStart {
            do {
                try await connect(options)
                startHealthChecks(options.healthCheckInterval)
            } catch {
                state.withLock { s in
                    s.listeners.removeValue(forKey: id)
                    s.options = nil
                }
                throw error
            }
        } else {
            // Someone else started it; wait until it is up, so the new listener sees a tracked state.
            for _ in 0..<1000 where !isActive { try await Task.sleep(for: .milliseconds(2)) }
        }
        return id
    }

    /// Removes a listener; the last one turns tracking off.
    func stop(_ id: UInt64) async {
        let (last, connection) = state.withLock { s -> (Bool, RedisConnection?) in
            s.listeners.removeValue(forKey: id)
            guard s.listeners.isEmpty, s.options != nil else { return (false, nil) }
            s.options = nil
            s.active = false
            s.generation += 1
            s.session += 1
            defer { s.connection = nil }
            return (true, s.connection)
        }
        guard last else { return }
        pool.closeListener.withLock { $0 = nil }
        try? await pool.installSetup(nil, andRunNow: [["CLIENT", "TRACKING", "OFF"]])
        connection?.close(RedisClientError(.connectionClosed, "client tracking was stopped"))
    }

    /// Opens the tracking connection, turns tracking on, and points the pool at it.
    private func connect(_ options: Options) async throws {
        let generation = state.withLock { $0.generation }
        let connection = try await RedisConnection.open(
            configuration, loop: pool.loop,
            pushHandler: { [weak self] push in self?.handle(push) },
            closeHandler: { [weak self] error in self?.lost(error, generation: generation) })
        do {
            let id = try await connection.send(timeout: configuration.connectTimeout) {
                $0.writeCommand("CLIENT", "ID")
            }.asInt()
            var own: [String] = []  // tracking on the tracking connection itself (BCAST)
            var pooled: [String] = []  // tracking on every pooled connection (default mode)
            switch options.mode {
            case .broadcast(let prefixes):
                own = ["CLIENT", "TRACKING", "ON"]
                if connection.protocolVersion == .resp2 { own += ["REDIRECT", String(id)] }
                own.append("BCAST")
                for prefix in prefixes { own += ["PREFIX", prefix] }
                if options.noLoop { own.append("NOLOOP") }
            case .default:
                pooled = ["CLIENT", "TRACKING", "ON", "REDIRECT", String(id)]
                if options.noLoop { pooled.append("NOLOOP") }
            }
            if !own.isEmpty {
                let reply = try await connection.send(timeout: configuration.connectTimeout) { $0.writeCommand(own) }
                if let message = reply.errorMessage { throw RedisServerError(message: message) }
            }
            if connection.protocolVersion == .resp2 {
                // RESP2 receives invalidations as messages of a subscription.
                connection.enterMessageMode { [weak self] value in self?.handle(value) }
                let waiter = ConfirmationWaiter(count: 1)
                subscribeConfirmed.withLock { $0 = waiter }
                try connection.sendWithoutReply { $0.writeCommand("SUBSCRIBE", "__redis__:invalidate") }
                let timeout = configuration.connectTimeout
                let timer = Task {
                    try await Task.sleep(for: timeout)
                    waiter.fail(RedisClientError(.timeout, "the server did not confirm the invalidation subscription"))
                }
                defer { timer.cancel() }
                try await waiter.wait()
            }
            state.withLock { s in
                s.connection = connection
                s.lastHeard = .now
            }
            pool.closeListener.withLock {
                $0 = { [weak self] error in self?.pooledConnectionLost(error) }
            }
            if pooled.isEmpty {
                try await pool.installSetup(nil, andRunNow: [])
            } else {
                let setup = RedisConnectionPool.ConnectionSetup(commands: [["CLIENT", "TRACKING", "OFF"], pooled])
                try await pool.installSetup(setup, andRunNow: setup.commands)
            }
            state.withLock { $0.active = true }
        } catch {
            connection.close(RedisClientError(.connectionFailed, "turning client tracking on failed: \(error)"))
            throw error
        }
    }

    private let subscribeConfirmed = StrataMutex<ConfirmationWaiter?>(nil)

    /// An invalidation push (RESP3), an invalidation message (RESP2), or anything else heard on the
    /// tracking connection or the pool (`tracking-redir-broken`).
    private func handle(_ value: RESPValue) {
        state.withLock { $0.lastHeard = .now }
        guard let parts = try? value.asArray(), let kind = try? parts.first?.asString() else { return }
        switch kind {
        case "invalidate" where parts.count >= 2:
            deliver(Self.invalidation(parts[1]))
        case "message" where parts.count == 3:
            deliver(Self.invalidation(parts[2]))
        case "subscribe":
            let waiter = subscribeConfirmed.withLock { waiter in
                defer { waiter = nil }
                return waiter
            }
            waiter?.confirmOne()
        case "tracking-redir-broken":
            let generation = state.withLock { $0.generation }
            lost(
                RedisClientError(.connectionClosed, "the server reported the tracking redirect broken"),
                generation: generation)
        default:
            break
        }
    }

    private static func invalidation(_ payload: RESPValue) -> RedisInvalidation {
        if payload.isNull { return .all }
        guard let keys = try? payload.asArray() else { return .all }
        return .keys(keys.compactMap { try? $0.asBytes() })
    }

    private func deliver(_ event: RedisInvalidation) {
        if let observer = configuration.observer {
            switch event {
            case .trackingLost(let reason): observer.observe(.trackingLost(reason: reason))
            case .trackingResumed: observer.observe(.trackingResumed)
            case .keys, .all, .slots: break
            }
        }
        for listener in state.withLock({ Array($0.listeners.values) }) { listener(event) }
    }

    /// A pushed message from a pooled connection (`tracking-redir-broken`).
    func handlePoolPush(_ push: RESPValue) {
        guard state.withLock({ $0.options != nil }) else { return }
        if let parts = try? push.asArray(), (try? parts.first?.asString()) == "tracking-redir-broken" {
            handle(push)
        }
    }

    /// A pooled connection closed: in default mode the server forgot the keys read through it.
    private func pooledConnectionLost(_ error: RedisClientError) {
        guard state.withLock({ $0.active && $0.options?.mode == .default }) else { return }
        deliver(
            .trackingLost(
                RedisClientError(
                    .connectionClosed,
                    "a tracked connection closed (\(error.message)); invalidations for the keys it read are lost")))
        deliver(.trackingResumed)
    }

    /// The tracking connection is gone: report it, then reconnect with backoff.
    private func lost(_ error: RedisClientError, generation: Int) {
        let restart = state.withLock { s -> (Options, Int)? in
            guard s.generation == generation, let options = s.options, !s.reconnecting else { return nil }
            s.generation += 1
            s.active = false
            s.connection = nil
            s.reconnecting = true
            return (options, s.session)
        }
        guard let (options, session) = restart else { return }
        deliver(
            .trackingLost(RedisClientError(.connectionClosed, "the tracking connection was lost (\(error.message))")))
        background.spawn { [weak self] in
            var failures = 0
            while let self, !Task.isCancelled, self.isCurrent(session) {
                do {
                    try await self.connect(options)
                    guard
                        self.state.withLock({ s in
                            s.reconnecting = false
                            return s.session == session
                        })
                    else { return }
                    self.deliver(.trackingResumed)
                    return
                } catch {
                    failures += 1
                    let delay = self.configuration.reconnectBackoff.delay(
                        afterFailures: failures, random: Double.random(in: 0...1))
                    self.configuration.observer?.observe(
                        .reconnectScheduled(endpoint: self.configuration.endpoint, delay: delay, failures: failures))
                    try? await Task.sleep(for: delay)
                }
            }
        }
    }

    private func isCurrent(_ session: Int) -> Bool {
        state.withLock { $0.session == session && $0.options != nil }
    }

    /// Pings the tracking connection every `interval`; one that stays silent for two intervals is
    /// closed, which reports `trackingLost`.
    private func startHealthChecks(_ interval: Duration) {
        let session = state.withLock { $0.session }
        background.spawn { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled, self.isCurrent(session) else { return }
                let (connection, silentFor) = self.state.withLock {
                    ($0.connection, ContinuousClock.now - $0.lastHeard)
                }
                guard let connection else { continue }
                if silentFor > interval * 2 {
                    connection.close(
                        RedisClientError(.timeout, "the tracking connection did not answer PING within \(interval * 2)")
                    )
                    continue
                }
                if connection.protocolVersion == .resp2 {
                    try? connection.sendWithoutReply { $0.writeCommand("PING") }
                } else if (try? await connection.send(timeout: interval * 2) { $0.writeCommand("PING") }) != nil {
                    self.state.withLock { $0.lastHeard = .now }
                }
            }
        }
    }

    func shutdown() {
        let connection = state.withLock { s -> RedisConnection? in
            s.options = nil
            s.listeners = [:]
            s.active = false
            s.generation += 1
            s.session += 1
            defer { s.connection = nil }
            return s.connection
        }
        connection?.close(RedisClientError(.shutdown, "the client was shut down"))
    }
}
