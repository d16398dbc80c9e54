import StrataRESP

/// Commands sent together in one write and answered in one round trip, in order.
///
/// ```swift
/// var pipeline = RedisPipeline()
/// let name = pipeline.get("user:1:name")
/// let visits = pipeline.incr("user:1:visits")
/// let replies = try await client.execute(pipeline)
/// let nameBytes = try replies[name]   // [UInt8]?
/// let count = try replies[visits]     // Int
/// ```
///
/// Each command keeps its own outcome: a failing command throws ``RedisServerError`` only when
/// its result is read, and the others are unaffected. A pipeline is a value: build it once and
/// execute it many times, or `removeAll()` and reuse its buffer.
public struct RedisPipeline: Sendable {
    /// A command's place in the pipeline and how to read its reply.
    public struct Handle<Result>: Sendable {
        let index: Int
        let decode: @Sendable (RESPValue) throws -> Result
    }

    var encoder = RESPEncoder()
    /// How many commands the pipeline holds.
    public private(set) var count = 0

    /// Creates an empty pipeline.
    public init() {}

    /// Removes every command, keeping the buffer for reuse.
    public mutating func removeAll() {
        encoder.reset()
        count = 0
    }

    /// Appends any command; its result is the raw reply.
    @discardableResult
    public mutating func send<each Argument: RESPCommandArgument>(_ arguments: repeat each Argument) -> Handle<
        RESPValue
    > {
        encoder.writeCommand(repeat each arguments)
        return add { $0 }
    }

    /// Appends a command given as a list of arguments.
    @discardableResult
    public mutating func send<Arguments: Collection>(command arguments: Arguments) -> Handle<RESPValue>
    where Arguments.Element: RESPCommandArgument {
        encoder.writeCommand(arguments)
        return add { $0 }
    }

    /// Appends `GET key`.
    public mutating func get(_ key: some RESPCommandArgument) -> Handle<[UInt8]?> {
        encoder.writeCommand("GET", key)
        return add { try $0.optionalBytes() }
    }

    /// Appends `SET key value [expiration] [condition]`; the result says whether it was written.
    @discardableResult
    public mutating func set(
        _ key: some RESPCommandArgument,
        _ value: some RESPCommandArgument,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) -> Handle<Bool> {
        encoder.writeArrayHeader(count: 3 + (expiration?.argumentCount ?? 0) + (condition == .always ? 0 : 1))
        encoder.writeArgument("SET")
        encoder.writeArgument(key)
        encoder.writeArgument(value)
        expiration?.write(into: &encoder)
        RedisClient.writeCondition(condition, into: &encoder)
        return add { try $0.okOrNull() }
    }

    /// Appends `INCRBY key increment`.
    @discardableResult
    public mutating func incr(_ key: some RESPCommandArgument, by increment: Int = 1) -> Handle<Int> {
        encoder.writeCommand("INCRBY", key, increment)
        return add { try $0.asInt() }
    }

    /// Appends `DEL key`.
    @discardableResult
    public mutating func del(_ key: some RESPCommandArgument) -> Handle<Int> {
        encoder.writeCommand("DEL", key)
        return add { try $0.asInt() }
    }

    /// Appends `PEXPIRE key milliseconds`.
    @discardableResult
    public mutating func expire(_ key: some RESPCommandArgument, after duration: Duration) -> Handle<Bool> {
        encoder.writeCommand("PEXPIRE", key, RedisExpiration.after(duration).milliseconds)
        return add { try $0.asInt() == 1 }
    }

    /// Appends `PTTL key`: the remaining time to live in milliseconds (-2: no key, -1: no expiry).
    public mutating func pttl(_ key: some RESPCommandArgument) -> Handle<Int> {
        encoder.writeCommand("PTTL", key)
        return add { try $0.asInt() }
    }

    private mutating func add<Result>(_ decode: @escaping @Sendable (RESPValue) throws -> Result) -> Handle<Result> {
        defer { count += 1 }
        return Handle(index: count, decode: decode)
    }
}

extension RedisExpiration {
    var milliseconds: Int {
        if case .milliseconds(let n) = self { return n }
        return 0
    }
}

/// The replies of an executed ``RedisPipeline``, read through its handles.
public struct RedisPipelineReplies: Sendable {
    /// Every reply in command order; error replies included as they came.
    public let replies: [RESPValue]

    /// The decoded reply of one command.
    ///
    /// - Throws: ``RedisServerError`` when that command failed, ``RedisClientError`` with
    ///   `unexpectedReply` when its reply has another shape.
    public subscript<Result>(handle: RedisPipeline.Handle<Result>) -> Result {
        get throws {
            let reply = replies[handle.index]
            if let message = reply.errorMessage { throw RedisServerError(message: message) }
            do {
                return try handle.decode(reply)
            } catch let error as RESPDecodingError {
                throw RedisClientError(.unexpectedReply, "pipeline command \(handle.index): \(error)")
            }
        }
    }
}

/// The outcome of `MULTI`/`EXEC`.
public enum RedisTransactionResult: Sendable {
    /// The transaction ran; each command's reply (errors included) is in the replies.
    case committed(RedisPipelineReplies)
    /// A watched key changed before `EXEC`: nothing ran. Read again and retry.
    case aborted
}

extension RedisClient {
    /// Sends every command of `pipeline` in one write on one connection and returns their replies
    /// in order, after one round trip.
    public func execute(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard pipeline.count > 0 else { return RedisPipelineReplies(replies: []) }
        while true {
            let connection = try await pool.sharedConnection()
            do {
                let replies = try await connection.sendBatch(
                    count: pipeline.count, timeout: commandTimeout
                ) {
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
    /// use ``RedisLeasedConnection/watch(_:)`` inside ``withConnection(_:)``.
    ///
    /// - Throws: ``RedisServerError`` (`EXECABORT`) when a command was rejected while queuing.
    public func transaction(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        let connection = try await pool.sharedConnection()
        let replies = try await connection.sendBatch(count: pipeline.count + 2, timeout: commandTimeout) {
            Self.encodeTransaction(pipeline, into: &$0)
        }
        return try Self.transactionResult(replies, count: pipeline.count)
    }

    static func encodeTransaction(_ pipeline: RedisPipeline, into encoder: inout RESPEncoder) {
        encoder.writeCommand("MULTI")
        encoder.buffer.append(contentsOf: pipeline.encoder.buffer)
        encoder.writeCommand("EXEC")
    }

    static func transactionResult(_ replies: [RESPValue], count: Int) throws -> RedisTransactionResult {
        if let message = replies[0].errorMessage { throw RedisServerError(message: message) }
        let exec = replies[replies.count - 1]
        if let message = exec.errorMessage {
            // EXECABORT: say which command was rejected while queuing.
            let queued = replies[1..<(replies.count - 1)].enumerated().compactMap { index, reply in
                reply.errorMessage.map { "command \(index): \($0)" }
            }
            throw RedisServerError(message: ([message] + queued).joined(separator: "; "))
        }
        if exec.isNull { return .aborted }
        do {
            let results = try exec.asArray()
            guard results.count == count else {
                throw RESPDecodingError(expected: "\(count) transaction replies", actual: exec)
            }
            return .committed(RedisPipelineReplies(replies: results))
        } catch let error as RESPDecodingError {
            throw RedisClientError(.unexpectedReply, "EXEC: \(error)")
        }
    }
}

extension RedisLeasedConnection {
    /// The timeout of a command sent now: the task's override, else the configured one.
    var commandTimeout: Duration? { RedisClient.timeoutOverride ?? configuration.commandTimeout }

    /// `WATCH key...`: the next ``transaction(_:)`` on this connection aborts if any of them
    /// changes first.
    public func watch<Key: RESPCommandArgument>(_ keys: [Key]) async throws {
        guard !keys.isEmpty else { return }
        let reply = try await connection.send(timeout: commandTimeout) {
            $0.writeCommand(prepending: "WATCH", keys)
        }
        if let message = reply.errorMessage { throw RedisServerError(message: message) }
    }

    /// `UNWATCH`.
    public func unwatch() async throws {
        try await send("UNWATCH")
    }

    /// Runs `pipeline` as `MULTI`/commands/`EXEC` on this connection: `.aborted` when a key
    /// watched with ``watch(_:)`` changed.
    public func transaction(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        do {
            let replies = try await connection.sendBatch(
                count: pipeline.count + 2, timeout: commandTimeout
            ) {
                RedisClient.encodeTransaction(pipeline, into: &$0)
            }
            return try RedisClient.transactionResult(replies, count: pipeline.count)
        } catch {
            markDirty()
            throw error
        }
    }

    /// Sends every command of `pipeline` on this connection in one write.
    public func execute(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard pipeline.count > 0 else { return RedisPipelineReplies(replies: []) }
        let replies = try await connection.sendBatch(count: pipeline.count, timeout: commandTimeout) {
            $0.buffer.append(contentsOf: pipeline.encoder.buffer)
        }
        return RedisPipelineReplies(replies: replies)
    }
}
