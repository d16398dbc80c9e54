import StrataRESP
import StrataSync
import Synchronization

/// A Redis client: typed commands, a generic `send`, pipelines, transactions, pub/sub and client
/// tracking, over a pool of automatically pipelined connections.
///
/// ```swift
/// let client = try RedisClient(url: "redis://127.0.0.1:6379")
/// try await client.set("greeting", "hello", expiration: .seconds(60))
/// let value = try await client.getString("greeting")  // "hello"
/// await client.shutdown()
/// ```
///
/// Share one client across your application: concurrent calls from many tasks are multiplexed over
/// a few connections, and commands issued while a write is under way leave together in the next
/// one, so throughput grows with concurrency without one connection per task.
///
/// **What the shared connections refuse.** Commands that would change or break a connection
/// that other callers share are refused before anything is written, with an error naming the
/// right tool: `MULTI`/`EXEC`/`WATCH` (use ``transaction(_:)`` or ``withConnection(_:)``),
/// `SELECT` (use ``RedisConfiguration/database``), `SUBSCRIBE` (use ``subscribe(to:bufferSize:)``),
/// `CLIENT TRACKING` (use ``startTracking(mode:noLoop:healthCheckInterval:handler:)``),
/// `MONITOR`, `CLIENT REPLY` and empty commands (never). Blocking commands (`BLPOP`, `WAIT`, ...)
/// run on a leased connection of their own. See ``RedisCommandPlacement``.
///
/// **Timeouts.** A command that times out (``RedisConfiguration/commandTimeout``, or
/// ``withCommandTimeout(_:_:)``) or whose task is cancelled fails at once; its reply is dropped
/// when it arrives, and the other callers on its connection keep theirs. A connection is closed
/// only when its server has been silent for ``RedisConfiguration/stallTimeout`` while replies are
/// owed, or owes more than ``RedisConfiguration/maximumAbandonedReplies`` replies to callers that
/// gave up.
///
/// **Lifecycle.** Run ``run()`` in a task you own (a task group, or a swift-service-lifecycle
/// service) and cancel it to shut the client down gracefully; or call ``shutdown(gracePeriod:)``.
/// A client dropped without either still closes its connections.
///
/// Errors: an error reply from the server throws ``RedisServerError``; a failure of the client
/// (refused command, closed connection, timeout, pool exhausted, cancellation) throws
/// ``RedisClientError``. Nothing is retried behind the caller's back, except commands the caller
/// declares idempotent (see ``send(idempotent:_:)``) and commands that provably never left the client.
public final class RedisClient: RedisCommandRunner {
    /// The settings the client was created with.
    public let configuration: RedisConfiguration
    /// The connections behind the client.
    public let pool: RedisConnectionPool
    private let pushRouter: PushRouter
    let subscriptions: SubscriptionHub
    let tracking: TrackingHub
    let background: BackgroundWork
    /// Hears of every command (``RedisConfiguration/observer``); checked once per command.
    @usableFromInline let observer: (any StrataObserver)?
    /// Runs around every command (``RedisConfiguration/interceptor``); checked once per command.
    @usableFromInline let interceptor: (any StrataInterceptor)?

    /// Creates a client. Connections open lazily, on the first command (or `pool.minimumConnections`
    /// right away).
    ///
    /// - Throws: ``RedisClientError`` with code `invalidConfiguration` for impossible settings.
    public init(configuration: RedisConfiguration) throws(RedisClientError) {
        let configuration = try configuration.validated()
        self.configuration = configuration
        self.observer = configuration.observer
        self.interceptor = configuration.interceptor
        let router = PushRouter()
        self.pushRouter = router
        // The client's own loop: idle health checks. It holds the pool and the hub weakly, so a
        // dropped client is freed (and its loop ends).
        let weakParts = WeakParts()
        let interval = configuration.pool.idleCheckInterval
        let background = BackgroundWork(loop: {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval / 2)
                guard !Task.isCancelled, let pool = weakParts.pool else { return }
                weakParts.subscriptions?.checkHealth(interval: interval)
                await pool.checkIdleConnections()
            }
        })
        self.background = background
        let pool = RedisConnectionPool(
            configuration: configuration, background: background, pushHandler: { router.route($0) })
        self.pool = pool
        self.subscriptions = SubscriptionHub(configuration: configuration, loop: pool.loop)
        let tracking = TrackingHub(configuration: configuration, pool: pool, background: background)
        self.tracking = tracking
        weakParts.set(pool: pool, subscriptions: subscriptions)
        _ = router.add { [weak tracking] in tracking?.handlePoolPush($0) }
        background.startLoopIfDetached()
        if configuration.pool.minimumConnections > 0 {
            background.spawn { [weak pool] in await pool?.warmUp() }
        }
    }

    /// Creates a client from a URL such as `redis://user:password@host:6379/0`.
    ///
    /// - Throws: ``RedisClientError`` naming what is wrong with the URL.
    public convenience init(url: String) throws(RedisClientError) {
        try self.init(configuration: RedisConfiguration(url: url))
    }

    /// A client dropped without `shutdown()` still closes its connections (the event loop would
    /// otherwise keep their sockets for the life of the process).
    deinit {
        background.cancelAll()
        pool.closeNow()
        subscriptions.shutdown()
        tracking.shutdown()
        pushRouter.finishAll(RedisClientError(.shutdown, "the client was released"))
    }

    /// Runs the client's background work (idle health checks, connections opening, client
    /// tracking's pings and reconnects) as child tasks of the calling task, until it is cancelled;
    /// then shuts the client down gracefully (see ``shutdown(gracePeriod:)``) and returns.
    ///
    /// This is the shape swift-service-lifecycle's `Service` expects (the StrataServiceLifecycle
    /// integration wraps a client as `RedisClientService`):
    ///
    /// ```swift
    /// try await withThrowingDiscardingTaskGroup { group in
    ///     group.addTask { await client.run() }
    ///     // ... use the client ...
    ///     group.cancelAll()  // run() shuts the client down and returns
    /// }
    /// ```
    ///
    /// Without `run()`, the same work runs in tasks the client owns, and ``shutdown(gracePeriod:)``
    /// ends it. Calling `run()` on a client that is already running or shut down returns at once.
    public func run() async {
        guard await background.run() else { return }
        // The calling task is cancelled: shut down in a task of its own, so the grace period's
        // waits are not cut short by that cancellation. Awaited here.
        await Task { await self.shutdown() }.value
    }

    /// Finishes the commands in flight (waiting up to `gracePeriod`), then closes every connection.
    /// Commands issued afterwards fail with `shutdown`.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        background.cancelAll()
        await pool.shutdown(gracePeriod: gracePeriod)
        subscriptions.shutdown()
        tracking.shutdown()
        pushRouter.finishAll(RedisClientError(.shutdown, "the client was shut down"))
    }

    // MARK: Sending

    @TaskLocal static var timeoutOverride: Duration?

    /// Runs `body` with every command it sends through any client timing out after `timeout`
    /// instead of the configured command timeout.
    ///
    /// ```swift
    /// let value = try await RedisClient.withCommandTimeout(.milliseconds(50)) {
    ///     try await client.get("k")
    /// }
    /// ```
    public static func withCommandTimeout<T>(
        _ timeout: Duration,
        _ body: () async throws -> T
    ) async rethrows -> T {
        try await $timeoutOverride.withValue(timeout) { try await body() }
    }

    /// The timeout of a command sent now: the task's override, else the configured one.
    @usableFromInline
    var commandTimeout: Duration? { Self.timeoutOverride ?? configuration.commandTimeout }

    /// Runs one command on a shared connection (a blocking one on a leased connection of its own).
    ///
    /// - Throws: ``RedisClientError`` with code `unsupported` for a command that may not run on a
    ///   shared connection (the message names what to use instead), ``RedisServerError`` for an error
    ///   reply, ``RedisClientError`` for a failure of the client.
    ///
    /// Inlinable, so a typed command's path is specialized where it is called: no generic
    /// indirection on the hot path.
    @inlinable
    public func execute<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        if let interceptor { return try await intercepted(command, interceptor) }
        if let observer {
            return try await observed(command.name, observer) { try await self.executeUnobserved(command) }
        }
        return try await executeUnobserved(command)
    }

    /// ``execute(_:)`` inside `interceptor` (then told to the observer, if any).
    @usableFromInline
    func intercepted<Command: RedisCommand>(
        _ command: Command,
        _ interceptor: any StrataInterceptor
    ) async throws -> Command.Response {
        try await interceptor.intercept(.command(command.name)) {
            guard let observer else { return try await executeUnobserved(command) }
            return try await observed(command.name, observer) { try await executeUnobserved(command) }
        }
    }

    /// ``execute(_:)`` without telling the observer.
    @inlinable
    func executeUnobserved<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        guard command.placement.isShared else { return try await executeElsewhere(command) }
        let reply = try await execute(idempotent: false, timeout: commandTimeout) { command.encode(into: &$0) }
        return try command.response(from: reply)
    }

    /// Runs `body` (one command, or a pipeline) and tells `observer` how long it took and how it
    /// ended.
    @usableFromInline
    func observed<T>(
        _ name: String,
        _ observer: any StrataObserver,
        _ body: () async throws -> T
    ) async throws -> T {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            observer.observe(.commandFinished(name: name, duration: started.duration(to: .now), outcome: .success))
            return result
        } catch {
            observer.observe(
                .commandFinished(name: name, duration: started.duration(to: .now), outcome: .failure(error)))
            throw error
        }
    }

    /// A command that may not run on a shared connection: a blocking one runs on a lease of its
    /// own; anything else is refused.
    @usableFromInline
    func executeElsewhere<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        let placement = command.placement
        guard placement.kind == .exclusive else { throw placement.refusal(command.name, onLease: false) }
        // Already inside the interceptor (if any): the lease runs it without a second call.
        return try await withConnection { try await $0.executeUnintercepted(command) }
    }

    /// Sends any command; when `idempotent` is true and the connection fails before the reply
    /// arrives, the command is sent once more on a fresh connection.
    @discardableResult
    public func send<each Argument: RESPCommandArgument>(
        idempotent: Bool,
        _ arguments: repeat each Argument
    ) async throws -> RESPValue {
        let command = RedisRawCommand(repeat each arguments)
        guard idempotent, command.placement.kind == .shared else { return try await execute(command) }
        guard let interceptor else { return try await sendIdempotentObserved(command) }
        return try await interceptor.intercept(.command(command.name)) { try await sendIdempotentObserved(command) }
    }

    private func sendIdempotentObserved(_ command: RedisRawCommand) async throws -> RESPValue {
        guard let observer else { return try await sendIdempotent(command) }
        return try await observed(command.name, observer) { try await sendIdempotent(command) }
    }

    private func sendIdempotent(_ command: RedisRawCommand) async throws -> RESPValue {
        let reply = try await execute(idempotent: true, timeout: commandTimeout) { command.encode(into: &$0) }
        return try command.response(from: reply)
    }

    /// The one path every command on a shared connection takes: pick a connection, send, return
    /// the reply. A command that never left the client is always retried on another connection;
    /// one that may have reached the server only when `idempotent`.
    @usableFromInline
    func execute(
        idempotent: Bool,
        timeout: Duration?,
        _ encode: (inout RESPEncoder) -> Void
    ) async throws -> RESPValue {
        var attempts = 0
        while true {
            attempts += 1
            let connection: RedisConnection
            if let available = pool.availableSharedConnection() {
                connection = available
            } else {
                connection = try await pool.sharedConnection()
            }
            do {
                return try await connection.send(timeout: timeout, encode)
            } catch let error as RedisClientError {
                let retry =
                    attempts < 3 && (error.isUnsent || (idempotent && attempts == 1 && error.code == .connectionClosed))
                if !retry { throw error }
            }
        }
    }

    /// Sends every command of `pipeline` in one write on one shared connection and returns their
    /// replies in order, after one round trip.
    ///
    /// - Throws: ``RedisClientError`` with code `unsupported`, before sending anything, when the
    ///   pipeline holds a command that may not run on a shared connection.
    public func execute(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard let interceptor else { return try await executeObserved(pipeline) }
        return try await interceptor.intercept(.pipeline(count: pipeline.count)) { try await executeObserved(pipeline) }
    }

    private func executeObserved(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard let observer else { return try await executeUnobserved(pipeline) }
        return try await observed("PIPELINE", observer) { try await executeUnobserved(pipeline) }
    }

    private func executeUnobserved(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard pipeline.count > 0 else { return RedisPipelineReplies(replies: []) }
        if let restricted = pipeline.restriction {
            throw restricted.placement.refusal(restricted.name + " (in a pipeline)", onLease: false)
        }
        while true {
            let connection = try await pool.sharedConnection()
            do {
                let replies = try await connection.sendBatch(count: pipeline.count, timeout: commandTimeout) {
                    $0.buffer.append(contentsOf: pipeline.encoder.buffer)
                }
                return RedisPipelineReplies(replies: replies)
            } catch let error as RedisClientError where error.isUnsent {
                continue
            }
        }
    }

    /// Runs the commands of `pipeline` as one transaction: `MULTI`, the commands, `EXEC`, sent
    /// together so nothing else interleaves. Without `WATCH` it cannot be aborted; to watch keys,
    /// use ``RedisCommandRunner/watch(_:)`` inside ``withConnection(_:)``.
    ///
    /// - Throws: ``RedisServerError`` (`EXECABORT`) when a command was rejected while queuing.
    public func transaction(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        guard let interceptor else { return try await transactionObserved(pipeline) }
        return try await interceptor.intercept(.transaction(count: pipeline.count)) {
            try await transactionObserved(pipeline)
        }
    }

    private func transactionObserved(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        guard let observer else { return try await transactionUnobserved(pipeline) }
        return try await observed("MULTI", observer) { try await transactionUnobserved(pipeline) }
    }

    private func transactionUnobserved(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        if let restricted = pipeline.restriction {
            throw restricted.placement.refusal(restricted.name + " (in a transaction)", onLease: false)
        }
        let connection = try await pool.sharedConnection()
        let replies = try await connection.sendBatch(count: pipeline.count + 2, timeout: commandTimeout) {
            pipeline.encodeTransaction(into: &$0)
        }
        return try pipeline.transactionResult(replies)
    }

    /// Runs `body` with a connection leased for the caller alone: for `WATCH`/`MULTI`/`EXEC`,
    /// `SELECT`, blocking commands, or anything else that changes connection state.
    ///
    /// The lease tracks the state its commands leave on the connection. When `body` returns or
    /// throws, the connection goes back to the pool only if nothing is left on it (no open
    /// transaction, no watched keys, the configured database, no reply still owed, no other state
    /// such as `CLIENT SETNAME` or `HELLO`); otherwise it is closed. Using the lease after `body`
    /// returned fails.
    @discardableResult
    public func withConnection<T>(
        _ body: (RedisLeasedConnection) async throws -> T
    ) async throws -> T {
        let connection = try await pool.lease()
        let leased = RedisLeasedConnection(connection: connection, configuration: configuration)
        do {
            let result = try await body(leased)
            pool.release(connection, reusable: leased.end())
            return result
        } catch {
            pool.release(connection, reusable: leased.end())
            throw error
        }
    }

    /// The executor of the client's I/O thread.
    ///
    /// A task that mostly awaits Redis runs fastest on it: its replies resume it right on the I/O
    /// thread (no thread hop, no wake-up), and the commands it sends next leave together once the
    /// ready tasks have run. Keep CPU-heavy work off it: while a task runs there, no replies are read.
    ///
    /// ```swift
    /// try await withTaskExecutorPreference(client.executor) {
    ///     for key in keys { _ = try await client.get(key) }
    /// }
    /// ```
    public var executor: any TaskExecutor { pool.loop }

    /// Where RESP3 push messages arriving on shared connections go (client tracking invalidations).
    var pushes: PushRouter { pushRouter }
}

/// The parts of a client its background loop uses, held weakly.
private final class WeakParts: Sendable {
    private struct Parts {
        weak var pool: RedisConnectionPool?
        weak var subscriptions: SubscriptionHub?
    }
    private let parts = StrataMutex(Parts())

    func set(pool: RedisConnectionPool, subscriptions: SubscriptionHub) {
        parts.withLock {
            $0.pool = pool
            $0.subscriptions = subscriptions
        }
    }

    var pool: RedisConnectionPool? { parts.withLock { $0.pool } }
    var subscriptions: SubscriptionHub? { parts.withLock { $0.subscriptions } }
}
