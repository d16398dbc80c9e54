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
/// Errors: an error reply from the server throws ``RedisServerError``; a failure of the client
/// (closed connection, timeout, pool exhausted, cancellation) throws ``RedisClientError``.
/// Nothing is retried behind the caller's back, except commands the caller declares idempotent
/// (see ``send(idempotent:_:)``) and commands that provably never left the client.
public final class RedisClient: Sendable {
    /// The settings the client was created with.
    public let configuration: RedisConfiguration
    /// The connections behind the client.
    public let pool: RedisConnectionPool
    private let pushRouter: PushRouter
    let subscriptions: SubscriptionHub
    let tracking: TrackingHub
    private let background = StrataMutex<[Task<Void, Never>]>([])

    /// Creates a client. Connections open lazily, on the first command (or `pool.minimumConnections`
    /// right away).
    ///
    /// - Throws: ``RedisClientError`` with code `invalidConfiguration` for impossible settings.
    public init(configuration: RedisConfiguration) throws(RedisClientError) {
        let configuration = try configuration.validated()
        self.configuration = configuration
        let router = PushRouter()
        self.pushRouter = router
        self.pool = RedisConnectionPool(configuration: configuration, pushHandler: { router.route($0) })
        self.subscriptions = SubscriptionHub(configuration: configuration, loop: pool.loop)
        let tracking = TrackingHub(configuration: configuration, pool: pool)
        self.tracking = tracking
        _ = router.add { tracking.handlePoolPush($0) }
        startBackgroundWork()
    }

    /// Creates a client from a URL such as `redis://user:password@host:6379/0`.
    ///
    /// - Throws: ``RedisClientError`` naming what is wrong with the URL.
    public convenience init(url: String) throws(RedisClientError) {
        try self.init(configuration: RedisConfiguration(url: url))
    }

    private func startBackgroundWork() {
        let pool = self.pool
        let interval = configuration.pool.idleCheckInterval
        var tasks: [Task<Void, Never>] = []
        if configuration.pool.minimumConnections > 0 {
            tasks.append(Task { await pool.warmUp() })
        }
        tasks.append(
            Task { [weak pool, weak subscriptions] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval / 2)
                    guard let pool, !Task.isCancelled else { return }
                    subscriptions?.checkHealth(interval: interval)
                    await pool.checkIdleConnections()
                }
            })
        background.withLock { $0 = tasks }
    }

    /// Finishes the commands in flight (waiting up to `gracePeriod`), then closes every connection.
    /// Commands issued afterwards fail with `shutdown`.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        let tasks = background.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in tasks { task.cancel() }
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
    var commandTimeout: Duration? { Self.timeoutOverride ?? configuration.commandTimeout }

    /// Sends any command and returns its reply; an error reply throws ``RedisServerError``.
    ///
    /// ```swift
    /// let reply = try await client.send("OBJECT", "ENCODING", "key")
    /// ```
    @discardableResult
    public func send<each Argument: RESPCommandArgument>(_ arguments: repeat each Argument) async throws -> RESPValue {
        try await execute(idempotent: false, timeout: commandTimeout) { encoder in
            encoder.writeCommand(repeat each arguments)
        }
    }

    /// Sends any command; when `idempotent` is true and the connection fails before the reply
    /// arrives, the command is sent once more on a fresh connection.
    @discardableResult
    public func send<each Argument: RESPCommandArgument>(
        idempotent: Bool,
        _ arguments: repeat each Argument
    ) async throws -> RESPValue {
        try await execute(idempotent: idempotent, timeout: commandTimeout) { encoder in
            encoder.writeCommand(repeat each arguments)
        }
    }

    /// Sends a command given as a list of arguments of one type.
    @discardableResult
    public func send<Arguments: Collection>(
        command arguments: Arguments,
        idempotent: Bool = false
    ) async throws -> RESPValue where Arguments.Element: RESPCommandArgument {
        try await execute(idempotent: idempotent, timeout: commandTimeout) { encoder in
            encoder.writeCommand(arguments)
        }
    }

    /// The one path every command takes: pick a shared connection, send, turn an error reply into
    /// ``RedisServerError``. A command that never left the client is always retried on another
    /// connection; one that may have reached the server only when `idempotent`.
    func execute(
        idempotent: Bool,
        timeout: Duration?,
        _ encode: (inout RESPEncoder) -> Void
    ) async throws -> RESPValue {
        var attempts = 0
        while true {
            attempts += 1
            let connection = try await pool.sharedConnection()
            do {
                let reply = try await connection.send(timeout: timeout, encode)
                if reply.isError { throw RedisServerError(message: reply.errorMessage ?? "") }
                return reply
            } catch let error as RedisClientError {
                let retry =
                    attempts < 3 && (error.isUnsent || (idempotent && attempts == 1 && error.code == .connectionClosed))
                if !retry { throw error }
            }
        }
    }

    /// Runs `body` with a connection leased for the caller alone: for `WATCH`/`MULTI`/`EXEC`,
    /// blocking commands, or anything that changes connection state. The connection returns to the
    /// pool afterwards, or is closed when `body` threw (its state is then unknown).
    public func withConnection<T>(
        _ body: (RedisLeasedConnection) async throws -> T
    ) async throws -> T {
        let connection = try await pool.lease()
        let leased = RedisLeasedConnection(connection: connection, configuration: configuration)
        do {
            let result = try await body(leased)
            pool.release(connection, reusable: leased.isReusable)
            return result
        } catch {
            pool.release(connection, reusable: false)
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

/// A connection leased for one caller alone. Valid only inside ``RedisClient/withConnection(_:)``.
public final class RedisLeasedConnection: Sendable {
    let connection: RedisConnection
    let configuration: RedisConfiguration
    private let dirty = Atomic<Bool>(false)

    init(connection: RedisConnection, configuration: RedisConfiguration) {
        self.connection = connection
        self.configuration = configuration
    }

    /// The protocol version negotiated on this connection.
    public var protocolVersion: RESPVersion { connection.protocolVersion }

    /// Whether the connection can go back to the pool (no transaction, subscription or error left on it).
    var isReusable: Bool { !dirty.load(ordering: .relaxed) && !connection.isClosed }

    /// Marks the connection as not reusable, so it is closed when the lease ends.
    func markDirty() { dirty.store(true, ordering: .relaxed) }

    /// Sends any command on this connection; an error reply throws ``RedisServerError``.
    /// `timeout` overrides the configured command timeout (blocking commands need a longer one).
    @discardableResult
    public func send<each Argument: RESPCommandArgument>(
        timeout: Duration? = nil,
        _ arguments: repeat each Argument
    ) async throws -> RESPValue {
        let reply = try await connection.send(
            timeout: timeout ?? RedisClient.timeoutOverride ?? configuration.commandTimeout
        ) { encoder in
            encoder.writeCommand(repeat each arguments)
        }
        if reply.isError { throw RedisServerError(message: reply.errorMessage ?? "") }
        return reply
    }

    /// Sends a command given as a list of arguments.
    @discardableResult
    public func send<Arguments: Collection>(
        command arguments: Arguments,
        timeout: Duration? = nil
    ) async throws -> RESPValue where Arguments.Element: RESPCommandArgument {
        let reply = try await connection.send(
            timeout: timeout ?? RedisClient.timeoutOverride ?? configuration.commandTimeout
        ) { encoder in
            encoder.writeCommand(arguments)
        }
        if reply.isError { throw RedisServerError(message: reply.errorMessage ?? "") }
        return reply
    }
}
