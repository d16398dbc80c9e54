import StrataRESP

// List commands, including the blocking pops (which need a connection of their own, so they never
// hold up other callers: the client leases one for them).

/// `LPUSH key element...`: the length after the push.
public struct LPUSH<Key: RESPCommandArgument, Element: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var elements: [Element]
    /// Creates the command.
    public init(_ key: Key, _ elements: [Element]) {
        self.key = key
        self.elements = elements
    }
    public var name: String { "LPUSH" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(key: "LPUSH", key, elements) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `RPUSH key element...`: the length after the push.
public struct RPUSH<Key: RESPCommandArgument, Element: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var elements: [Element]
    /// Creates the command.
    public init(_ key: Key, _ elements: [Element]) {
        self.key = key
        self.elements = elements
    }
    public var name: String { "RPUSH" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(key: "RPUSH", key, elements) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `LPOP key`: the first element, or `nil` when the list is empty.
public struct LPOP<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "LPOP" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("LPOP", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `RPOP key`: the last element, or `nil` when the list is empty.
public struct RPOP<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "RPOP" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("RPOP", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `LRANGE key start stop` (inclusive; negative indexes count from the end).
public struct LRANGE<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var start: Int
    public var stop: Int
    /// Creates the command.
    public init(_ key: Key, _ start: Int, _ stop: Int) {
        self.key = key
        self.start = start
        self.stop = stop
    }
    public var name: String { "LRANGE" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("LRANGE", key, start, stop) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]] { try reply.bytesArray() }
}

/// `LLEN key`.
public struct LLEN<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "LLEN" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("LLEN", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `LINDEX key index`.
public struct LINDEX<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var index: Int
    /// Creates the command.
    public init(_ key: Key, _ index: Int) {
        self.key = key
        self.index = index
    }
    public var name: String { "LINDEX" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("LINDEX", key, index) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `LTRIM key start stop`.
public struct LTRIM<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var start: Int
    public var stop: Int
    /// Creates the command.
    public init(_ key: Key, _ start: Int, _ stop: Int) {
        self.key = key
        self.start = start
        self.stop = stop
    }
    public var name: String { "LTRIM" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("LTRIM", key, start, stop) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `LREM key count element`: how many were removed.
public struct LREM<Key: RESPCommandArgument, Element: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var count: Int
    public var element: Element
    /// Creates the command.
    public init(_ key: Key, count: Int, _ element: Element) {
        self.key = key
        self.count = count
        self.element = element
    }
    public var name: String { "LREM" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("LREM", key, count, element) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `BLPOP key... timeout`: waits up to `timeout` for an element at the head of the first
/// non-empty list. The key and the element, or `nil` on timeout.
///
/// It holds its connection while it waits, so the client runs it on a leased connection.
public struct BLPOP<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    public var timeout: Duration
    /// Creates the command; a zero timeout waits forever.
    public init(_ keys: [Key], timeout: Duration) {
        self.keyList = keys
        self.timeout = timeout
    }
    public var name: String { "BLPOP" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public var placement: RedisCommandPlacement { BlockingPop.placement }
    public var blockingDuration: Duration? { BlockingPop.duration(timeout) }
    public func encode(into encoder: inout RESPEncoder) { BlockingPop.encode("BLPOP", keyList, timeout, &encoder) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> (key: [UInt8], element: [UInt8])? {
        try BlockingPop.decode(reply)
    }
}

/// `BRPOP key... timeout`: like ``BLPOP``, from the tail.
public struct BRPOP<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    public var timeout: Duration
    /// Creates the command; a zero timeout waits forever.
    public init(_ keys: [Key], timeout: Duration) {
        self.keyList = keys
        self.timeout = timeout
    }
    public var name: String { "BRPOP" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public var placement: RedisCommandPlacement { BlockingPop.placement }
    public var blockingDuration: Duration? { BlockingPop.duration(timeout) }
    public func encode(into encoder: inout RESPEncoder) { BlockingPop.encode("BRPOP", keyList, timeout, &encoder) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> (key: [UInt8], element: [UInt8])? {
        try BlockingPop.decode(reply)
    }
}

/// What `BLPOP` and `BRPOP` share.
enum BlockingPop {
    static let placement = RedisCommandPlacement.exclusive(
        reason: "It holds its connection until an element arrives or the timeout passes.")

    /// Zero means "wait forever" to Redis.
    static func duration(_ timeout: Duration) -> Duration {
        timeout == .zero ? .seconds(Int64(Int32.max)) : timeout
    }

    static func encode<Key: RESPCommandArgument>(
        _ name: String, _ keys: [Key], _ timeout: Duration, _ encoder: inout RESPEncoder
    ) {
        encoder.writeArrayHeader(count: keys.count + 2)
        encoder.writeArgument(name)
        for key in keys { encoder.writeArgument(key) }
        encoder.writeArgument(RESPEncoder.formatDouble(timeout.seconds))
    }

    static func decode(_ reply: RESPValue) throws(RESPDecodingError) -> (key: [UInt8], element: [UInt8])? {
        if reply.isNull { return nil }
        let parts = try reply.asArray()
        guard parts.count == 2 else { throw RESPDecodingError(expected: "[key, element]", actual: reply) }
        return (try parts[0].asBytes(), try parts[1].asBytes())
    }
}

extension RedisCommandRunner {
    /// `LPUSH key element...`: the length after the push.
    @discardableResult
    public func lpush<Key: RESPCommandArgument, Element: RESPCommandArgument>(_ key: Key, _ elements: [Element])
        async throws -> Int
    {
        guard !elements.isEmpty else { return try await llen(key) }
        return try await execute(LPUSH(key, elements))
    }

    /// `RPUSH key element...`: the length after the push.
    @discardableResult
    public func rpush<Key: RESPCommandArgument, Element: RESPCommandArgument>(_ key: Key, _ elements: [Element])
        async throws -> Int
    {
        guard !elements.isEmpty else { return try await llen(key) }
        return try await execute(RPUSH(key, elements))
    }

    /// `LPOP key`: the first element, or `nil` when the list is empty.
    public func lpop<Key: RESPCommandArgument>(_ key: Key) async throws -> [UInt8]? {
        try await execute(LPOP(key))
    }

    /// `RPOP key`: the last element, or `nil` when the list is empty.
    public func rpop<Key: RESPCommandArgument>(_ key: Key) async throws -> [UInt8]? {
        try await execute(RPOP(key))
    }

    /// `LRANGE key start stop` (inclusive; negative indexes count from the end).
    public func lrange<Key: RESPCommandArgument>(_ key: Key, _ start: Int, _ stop: Int) async throws -> [[UInt8]] {
        try await execute(LRANGE(key, start, stop))
    }

    /// `LLEN key`.
    public func llen<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(LLEN(key))
    }

    /// `LINDEX key index`.
    public func lindex<Key: RESPCommandArgument>(_ key: Key, _ index: Int) async throws -> [UInt8]? {
        try await execute(LINDEX(key, index))
    }

    /// `LTRIM key start stop`.
    public func ltrim<Key: RESPCommandArgument>(_ key: Key, _ start: Int, _ stop: Int) async throws {
        try await execute(LTRIM(key, start, stop))
    }

    /// `LREM key count element`: how many were removed.
    @discardableResult
    public func lrem<Key: RESPCommandArgument, Element: RESPCommandArgument>(
        _ key: Key, count: Int, _ element: Element
    ) async throws -> Int {
        try await execute(LREM(key, count: count, element))
    }

    /// `BLPOP key... timeout`: waits up to `timeout` for an element at the head of the first
    /// non-empty list. Returns the key and the element, or `nil` on timeout. On the client it runs
    /// on a leased connection, so it never holds up other callers.
    public func blpop<Key: RESPCommandArgument>(_ keys: [Key], timeout: Duration) async throws -> (
        key: [UInt8], element: [UInt8]
    )? {
        try await execute(BLPOP(keys, timeout: timeout))
    }

    /// `BRPOP key... timeout`: like ``blpop(_:timeout:)``, from the tail.
    public func brpop<Key: RESPCommandArgument>(_ keys: [Key], timeout: Duration) async throws -> (
        key: [UInt8], element: [UInt8]
    )? {
        try await execute(BRPOP(keys, timeout: timeout))
    }
}
