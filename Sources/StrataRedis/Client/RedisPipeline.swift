import StrataRESP

/// Commands sent together in one write and answered in one round trip, in order.
///
/// ```swift
/// var pipeline = RedisPipeline()
/// let name = pipeline.add(GET("user:1:name"))
/// let visits = pipeline.incr("user:1:visits")
/// let replies = try await client.execute(pipeline)
/// let nameBytes = try replies[name]   // [UInt8]?
/// let count = try replies[visits]     // Int
/// ```
///
/// Any ``RedisCommand`` can be added; the shortcuts (`get`, `set`, `incr`, ...) add the same typed
/// commands. Each command keeps its own outcome: a failing command throws ``RedisServerError``
/// only when its result is read, and the others are unaffected. A pipeline is a value: build it
/// once and execute it many times, or `removeAll()` and reuse its buffer.
///
/// On the client's shared connections a pipeline may hold only commands that run there
/// (``RedisCommandPlacement/shared``); the client refuses the whole pipeline otherwise, before
/// sending any of it. On a leased connection it may hold anything but subscriptions.
public struct RedisPipeline: Sendable {
    /// A command's place in the pipeline and how to read its reply.
    public struct Handle<Command: RedisCommand>: Sendable {
        @usableFromInline let index: Int
        @usableFromInline let command: Command

        @usableFromInline
        init(index: Int, command: Command) {
            self.index = index
            self.command = command
        }
    }

    /// The first command that may not run on a shared connection.
    struct Restriction: Sendable {
        var name: String
        var placement: RedisCommandPlacement
    }

    @usableFromInline var encoder = RESPEncoder()
    @usableFromInline var storedCount = 0
    /// How many commands the pipeline holds.
    public var count: Int { storedCount }
    /// The first command that may not run on a shared connection, if any.
    private(set) var restriction: Restriction?
    /// The first command refused even on a leased connection, if any.
    private(set) var refusedOnLease: Restriction?
    /// Commands that change connection state, by position, for a lease to track.
    private(set) var effects: [(index: Int, effect: RedisCommandPlacement.Effect)] = []
    /// The longest time a command of the pipeline may legitimately keep the server silent.
    private(set) var blockingDuration: Duration?

    /// Creates an empty pipeline.
    public init() {}

    /// Removes every command, keeping the buffer for reuse.
    public mutating func removeAll() {
        encoder.reset()
        storedCount = 0
        restriction = nil
        refusedOnLease = nil
        effects.removeAll(keepingCapacity: true)
        blockingDuration = nil
    }

    /// Appends any command; read its result with the handle.
    ///
    /// Not inlinable on purpose: pipelines are mostly built in `async` functions, where the
    /// temporaries of inlined code come from the task allocator; a call keeps them on the stack.
    @discardableResult
    public mutating func add<Command: RedisCommand>(_ command: Command) -> Handle<Command> {
        command.encode(into: &encoder)
        let placement = command.placement
        if !placement.isShared { noteRestricted(command.name, placement) }
        if let blocking = command.blockingDuration { noteBlocking(blocking) }
        defer { storedCount += 1 }
        return Handle(index: storedCount, command: command)
    }

    /// Records a command that may not run on a shared connection (the next one to be added).
    @usableFromInline
    mutating func noteRestricted(_ name: String, _ placement: RedisCommandPlacement) {
        let restricted = Restriction(name: name, placement: placement)
        if restriction == nil { restriction = restricted }
        if refusedOnLease == nil && (placement.kind == .subscription || placement.kind == .nowhere) {
            refusedOnLease = restricted
        }
        if placement.effect != .none { effects.append((storedCount, placement.effect)) }
    }

    @usableFromInline
    mutating func noteBlocking(_ duration: Duration) {
        blockingDuration = max(blockingDuration ?? .zero, duration)
    }

    /// Appends any command given as its arguments; its result is the raw reply.
    @discardableResult
    public mutating func send<each Argument: RESPCommandArgument>(
        _ arguments: repeat each Argument
    ) -> Handle<RedisRawCommand> {
        add(RedisRawCommand(repeat each arguments))
    }

    /// Appends a command given as a list of arguments.
    @discardableResult
    public mutating func send<Arguments: Collection>(command arguments: Arguments) -> Handle<RedisRawCommand>
    where Arguments.Element: RESPCommandArgument {
        add(RedisRawCommand(command: arguments))
    }

    /// Appends `GET key`.
    @discardableResult
    @_specialize(exported:true,where Key == String)
    public mutating func get<Key: RESPCommandArgument>(_ key: Key) -> Handle<GET<Key>> {
        add(GET(key))
    }

    /// Appends `SET key value [expiration] [condition]`; the result says whether it was written.
    @discardableResult
    @_specialize(exported:true,where Key == String, Value == String)
    @_specialize(exported:true,where Key == String, Value == [UInt8])
    public mutating func set<Key: RESPCommandArgument, Value: RESPCommandArgument>(
        _ key: Key,
        _ value: Value,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) -> Handle<SET<Key, Value>> {
        add(SET(key, value, expiration: expiration, condition: condition))
    }

    /// Appends `INCRBY key increment`.
    @discardableResult
    public mutating func incr<Key: RESPCommandArgument>(_ key: Key, by increment: Int = 1) -> Handle<INCRBY<Key>> {
        add(INCRBY(key, increment))
    }

    /// Appends `DEL key`.
    @discardableResult
    public mutating func del<Key: RESPCommandArgument>(_ key: Key) -> Handle<DEL<Key>> {
        add(DEL([key]))
    }

    /// Appends `PEXPIRE key milliseconds`.
    @discardableResult
    public mutating func expire<Key: RESPCommandArgument>(_ key: Key, after duration: Duration) -> Handle<PEXPIRE<Key>>
    {
        add(PEXPIRE(key, after: duration))
    }

    /// Appends `PTTL key`: the remaining time to live.
    public mutating func pttl<Key: RESPCommandArgument>(_ key: Key) -> Handle<PTTL<Key>> {
        add(PTTL(key))
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
    @inlinable
    public subscript<Command>(handle: RedisPipeline.Handle<Command>) -> Command.Response {
        get throws { try handle.command.response(from: replies[handle.index]) }
    }

    /// The decoded reply of one command, or its error.
    public func result<Command>(for handle: RedisPipeline.Handle<Command>) -> Result<Command.Response, any Error> {
        Result { try handle.command.response(from: replies[handle.index]) }
    }
}

/// The outcome of `MULTI`/`EXEC`.
public enum RedisTransactionResult: Sendable {
    /// The transaction ran; each command's reply (errors included) is in the replies.
    case committed(RedisPipelineReplies)
    /// A watched key changed before `EXEC`: nothing ran. Read again and retry.
    case aborted
}

extension RedisPipeline {
    /// `MULTI`, the commands, `EXEC`, as one batch.
    func encodeTransaction(into encoder: inout RESPEncoder) {
        encoder.writeCommand("MULTI")
        encoder.buffer.append(contentsOf: self.encoder.buffer)
        encoder.writeCommand("EXEC")
    }

    /// Reads the replies of ``encodeTransaction(into:)``: `MULTI`'s, one `QUEUED` per command, `EXEC`'s.
    func transactionResult(_ replies: [RESPValue]) throws -> RedisTransactionResult {
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
