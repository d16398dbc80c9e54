import StrataRESP
import StrataSync

/// A connection leased for one caller alone. Valid only inside ``RedisClient/withConnection(_:)``.
///
/// Anything runs on it but what would break its reply stream (subscriptions, `MONITOR`,
/// `CLIENT REPLY`, an empty command): `WATCH`, `MULTI`/`EXEC`, `SELECT`, blocking commands,
/// `CLIENT SETNAME`... It tracks the state these leave on the connection, and when the lease ends
/// the connection goes back to the pool only if none is left; otherwise it is closed.
///
/// ```swift
/// let committed = try await client.withConnection { connection in
///     try await connection.watch(["balance"])
///     let balance = Int(try await connection.getString("balance") ?? "0") ?? 0
///     var update = RedisPipeline()
///     update.set("balance", balance - 10)
///     guard case .committed = try await connection.transaction(update) else { return false }
///     return true
/// }
/// ```
public final class RedisLeasedConnection: RedisCommandRunner {
    /// What the lease's commands left on the connection.
    struct State {
        var ended = false
        var transactionOpen = false
        var watching = false
        var database: Int
        /// Why the connection cannot be reused, once something made it so.
        var dirty: String?

        mutating func apply(_ effect: RedisCommandPlacement.Effect, reply: RESPValue) {
            if transactionOpen && effect != .none && effect != .endTransaction {
                dirty = "a command that changes connection state was queued in a transaction"
                return
            }
            let failed = reply.isError
            switch effect {
            case .none:
                break
            case .multi:
                if !failed { transactionOpen = true }
            case .endTransaction:
                // `EXEC`/`DISCARD` without `MULTI` is refused and changes nothing; otherwise the
                // transaction ends and every watched key is forgotten.
                if !(failed && (reply.errorMessage ?? "").contains("without MULTI")) {
                    transactionOpen = false
                    watching = false
                }
            case .watch:
                if !failed { watching = true }
            case .unwatch:
                if !failed { watching = false }
            case .select(let index):
                if !failed { database = index }
            case .unknown:
                dirty = "a command changed connection state the pool cannot restore"
            }
        }
    }

    let connection: RedisConnection
    let configuration: RedisConfiguration
    private let state: StrataMutex<State>

    init(connection: RedisConnection, configuration: RedisConfiguration) {
        self.connection = connection
        self.configuration = configuration
        self.state = StrataMutex(State(database: configuration.database))
    }

    /// The protocol version negotiated on this connection.
    public var protocolVersion: RESPVersion { connection.protocolVersion }

    /// Ends the lease: later commands fail. Returns whether the connection can go back to the pool
    /// (no transaction, watched keys, other database, owed reply or other state left on it).
    func end() -> Bool {
        state.withLock { s in
            s.ended = true
            return s.dirty == nil && !s.transactionOpen && !s.watching && s.database == configuration.database
                && !connection.isClosed && connection.inFlight == 0
        }
    }

    /// Whether the connection could go back to the pool now.
    var isReusable: Bool {
        state.withLock { s in
            s.dirty == nil && !s.transactionOpen && !s.watching && s.database == configuration.database
                && !connection.isClosed && connection.inFlight == 0
        }
    }

    private func checkOpen() throws(RedisClientError) {
        if state.withLock({ $0.ended }) {
            throw RedisClientError(
                .unsupported, "the leased connection was used after withConnection returned; lease another")
        }
    }

    private func timeout(blocking: Duration?) -> Duration? {
        let base = RedisClient.timeoutOverride ?? configuration.commandTimeout
        guard let base, let blocking else { return base }
        return base + blocking
    }

    /// Sends encoded commands; a failure of the client (timeout, cancellation, closed connection)
    /// leaves the connection's state unknown, so it will not be reused.
    private func send<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch {
            state.withLock { $0.dirty = "a command failed before its reply arrived (\(error))" }
            throw error
        }
    }

    /// Runs one command on this connection and decodes its reply.
    public func execute<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        guard let interceptor = configuration.interceptor else { return try await executeUnintercepted(command) }
        return try await interceptor.intercept(.command(command.name)) { try await executeUnintercepted(command) }
    }

    /// ``execute(_:)`` without the configuration's interceptor: for the client's blocking
    /// commands, already intercepted when the client leased a connection for them.
    func executeUnintercepted<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        try checkOpen()
        let placement = command.placement
        if placement.kind == .subscription || placement.kind == .nowhere {
            throw placement.refusal(command.name, onLease: true)
        }
        let blocking = command.blockingDuration
        let reply = try await send {
            try await connection.send(timeout: timeout(blocking: blocking), blocking: blocking) {
                command.encode(into: &$0)
            }
        }
        if placement.effect != .none {
            state.withLock { $0.apply(placement.effect, reply: reply) }
        }
        return try command.response(from: reply)
    }

    /// Sends any command on this connection with its own timeout (blocking commands need a
    /// longer one); an error reply throws ``RedisServerError``.
    @discardableResult
    public func send<each Argument: RESPCommandArgument>(
        timeout: Duration?,
        _ arguments: repeat each Argument
    ) async throws -> RESPValue {
        try await RedisClient.$timeoutOverride.withValue(timeout) {
            try await execute(RedisRawCommand(repeat each arguments))
        }
    }

    /// Sends every command of `pipeline` on this connection in one write.
    public func execute(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard let interceptor = configuration.interceptor else { return try await executeUnintercepted(pipeline) }
        return try await interceptor.intercept(.pipeline(count: pipeline.count)) {
            try await executeUnintercepted(pipeline)
        }
    }

    private func executeUnintercepted(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        try checkOpen()
        guard pipeline.count > 0 else { return RedisPipelineReplies(replies: []) }
        if let refused = pipeline.refusedOnLease { throw refused.placement.refusal(refused.name, onLease: true) }
        let blocking = pipeline.blockingDuration
        let replies = try await send {
            try await connection.sendBatch(
                count: pipeline.count, timeout: timeout(blocking: blocking), blocking: blocking
            ) {
                $0.buffer.append(contentsOf: pipeline.encoder.buffer)
            }
        }
        if !pipeline.effects.isEmpty {
            state.withLock { s in
                for (index, effect) in pipeline.effects { s.apply(effect, reply: replies[index]) }
            }
        }
        return RedisPipelineReplies(replies: replies)
    }

    /// Runs `pipeline` as `MULTI`/commands/`EXEC` on this connection: `.aborted` when a key
    /// watched with ``RedisCommandRunner/watch(_:)`` changed.
    public func transaction(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        guard let interceptor = configuration.interceptor else { return try await transactionUnintercepted(pipeline) }
        return try await interceptor.intercept(.transaction(count: pipeline.count)) {
            try await transactionUnintercepted(pipeline)
        }
    }

    private func transactionUnintercepted(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        try checkOpen()
        if let refused = pipeline.refusedOnLease { throw refused.placement.refusal(refused.name, onLease: true) }
        let replies = try await send {
            try await connection.sendBatch(count: pipeline.count + 2, timeout: timeout(blocking: nil)) {
                pipeline.encodeTransaction(into: &$0)
            }
        }
        state.withLock { s in
            s.apply(.multi, reply: replies[0])
            for (index, effect) in pipeline.effects { s.apply(effect, reply: replies[index + 1]) }
            s.apply(.endTransaction, reply: replies[replies.count - 1])
        }
        return try pipeline.transactionResult(replies)
    }
}
