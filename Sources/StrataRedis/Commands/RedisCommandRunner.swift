import StrataRESP

/// Anything that runs ``RedisCommand``s: the ``RedisClient`` (on its shared connections) and a
/// ``RedisLeasedConnection`` (on a connection of the caller's own). Every typed helper (`get`,
/// `set`, `hset`, `zadd`, ...) is an extension of this protocol, so each works on both.
///
/// ```swift
/// func visit(_ redis: some RedisCommandRunner, user: String) async throws -> Int {
///     try await redis.incr("visits:\(user)")
/// }
/// ```
///
/// A runner refuses what it cannot run safely, before anything is written: the client refuses
/// commands that change the state of a connection (``RedisCommandPlacement``) and leases a
/// connection for blocking ones; a leased connection refuses only what would break its reply
/// stream (subscriptions, `MONITOR`, `CLIENT REPLY`).
public protocol RedisCommandRunner: Sendable {
    /// Runs one command and decodes its reply.
    ///
    /// - Throws: ``RedisServerError`` for an error reply, ``RedisClientError`` for a failure of the
    ///   client (refused command, timeout, closed connection, reply of the wrong shape).
    func execute<Command: RedisCommand>(_ command: Command) async throws -> Command.Response

    /// Sends every command of `pipeline` in one write and returns their replies in order.
    func execute(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies

    /// Runs the commands of `pipeline` as one `MULTI`/`EXEC` transaction.
    func transaction(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult
}

extension RedisCommandRunner {
    /// Runs several commands in one round trip and returns each one's own outcome.
    ///
    /// ```swift
    /// let (name, visits) = try await client.execute(GET("user:1:name"), INCR("user:1:visits"))
    /// let bytes = try name.get()   // [UInt8]?
    /// let count = try visits.get() // Int
    /// ```
    ///
    /// - Throws: only when the pipeline as a whole failed (refused, timed out, connection lost).
    public func execute<each Command: RedisCommand>(
        _ commands: repeat each Command
    ) async throws -> (repeat Result<(each Command).Response, any Error>) {
        var pipeline = RedisPipeline()
        let handles = (repeat pipeline.add(each commands))
        let replies = try await execute(pipeline)
        return (repeat replies.result(for: each handles))
    }

    /// Runs several commands as one `MULTI`/`EXEC` transaction and returns each one's own
    /// outcome, or `nil` when a key watched with `WATCH` (on a leased connection) changed first and
    /// nothing ran.
    ///
    /// - Throws: ``RedisServerError`` (`EXECABORT`) when a command was rejected while queuing.
    public func transaction<each Command: RedisCommand>(
        _ commands: repeat each Command
    ) async throws -> (repeat Result<(each Command).Response, any Error>)? {
        var pipeline = RedisPipeline()
        let handles = (repeat pipeline.add(each commands))
        guard case .committed(let replies) = try await transaction(pipeline) else { return nil }
        return (repeat replies.result(for: each handles))
    }

    /// Sends any command and returns its reply; an error reply throws ``RedisServerError``.
    ///
    /// ```swift
    /// let reply = try await client.send("OBJECT", "ENCODING", "key")
    /// ```
    ///
    /// A command that would derail a shared connection (`MULTI`, `SELECT`, `SUBSCRIBE`,
    /// `CLIENT REPLY`, ...) is refused with a ``RedisClientError`` naming what to use instead.
    @discardableResult
    public func send<each Argument: RESPCommandArgument>(_ arguments: repeat each Argument) async throws -> RESPValue {
        try await execute(RedisRawCommand(repeat each arguments))
    }

    /// Sends a command given as a list of arguments of one type.
    @discardableResult
    public func send<Arguments: Collection>(command arguments: Arguments) async throws -> RESPValue
    where Arguments.Element: RESPCommandArgument {
        try await execute(RedisRawCommand(command: arguments))
    }
}

extension RedisCommand {
    /// Decodes `reply`: an error reply throws ``RedisServerError``, a reply of the wrong shape
    /// ``RedisClientError`` with code `unexpectedReply`.
    @inlinable
    func response(from reply: RESPValue) throws -> Response {
        if let message = reply.errorMessage { throw RedisServerError(message: message) }
        do {
            return try decode(reply)
        } catch {
            throw RedisClientError(.unexpectedReply, "\(name): \(error)")
        }
    }
}
