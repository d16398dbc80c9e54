import StrataRESP

// String commands: GET, SET, MGET, MSET, INCR/DECR, APPEND, GETDEL, GETEX, STRLEN.

/// `GET key`: the value, or `nil` when the key does not exist.
public struct GET<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    @inlinable public init(_ key: Key) { self.key = key }
    public var name: String { "GET" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    @inlinable public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("GET", key) }
    @inlinable public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? {
        try reply.optionalBytes()
    }
}

/// `SET key value [EX|PX|EXAT|PXAT|KEEPTTL] [NX|XX]`: whether the value was written (`false`
/// when the condition prevented it).
public struct SET<Key: RESPCommandArgument, Value: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var value: Value
    public var expiration: RedisExpiration?
    public var condition: RedisSetCondition
    /// Creates the command.
    @inlinable
    public init(
        _ key: Key, _ value: Value, expiration: RedisExpiration? = nil, condition: RedisSetCondition = .always
    ) {
        self.key = key
        self.value = value
        self.expiration = expiration
        self.condition = condition
    }
    public var name: String { "SET" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    @inlinable
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: 3 + (expiration?.argumentCount ?? 0) + condition.argumentCount)
        encoder.writeArgument("SET")
        encoder.writeArgument(key)
        encoder.writeArgument(value)
        expiration?.write(into: &encoder)
        condition.write(into: &encoder)
    }
    @inlinable
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Bool { try reply.okOrNull() }
}

/// `SET key value ... GET`: writes the value and returns the previous one (`nil` if none).
public struct SETGET<Key: RESPCommandArgument, Value: RESPCommandArgument>: RedisCommand {
    public var command: SET<Key, Value>
    /// Creates the command.
    public init(
        _ key: Key, _ value: Value, expiration: RedisExpiration? = nil, condition: RedisSetCondition = .always
    ) {
        command = SET(key, value, expiration: expiration, condition: condition)
    }
    public var name: String { "SET" }
    public var keys: [RedisKey] { command.keys }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: 4 + (command.expiration?.argumentCount ?? 0) + command.condition.argumentCount)
        encoder.writeArgument("SET")
        encoder.writeArgument(command.key)
        encoder.writeArgument(command.value)
        command.expiration?.write(into: &encoder)
        command.condition.write(into: &encoder)
        encoder.writeArgument("GET")
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `MGET key...`: the values in key order, `nil` for missing keys.
public struct MGET<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    /// Creates the command.
    public init(_ keys: [Key]) { self.keyList = keys }
    public var name: String { "MGET" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(prepending: "MGET", keyList) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]?] { try reply.optionalBytesArray() }
}

/// `MSET key value ...`: writes all pairs atomically.
public struct MSET<Key: RESPCommandArgument, Value: RESPCommandArgument>: RedisCommand {
    public var pairs: [(Key, Value)]
    /// Creates the command.
    public init(_ pairs: [(Key, Value)]) { self.pairs = pairs }
    public var name: String { "MSET" }
    public var keys: [RedisKey] { pairs.map { RedisKey($0.0) } }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: pairs.count * 2 + 1)
        encoder.writeArgument("MSET")
        for (key, value) in pairs {
            encoder.writeArgument(key)
            encoder.writeArgument(value)
        }
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `INCR key`: the value after adding one.
public struct INCR<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "INCR" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("INCR", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `DECR key`: the value after subtracting one.
public struct DECR<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "DECR" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("DECR", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `INCRBY key increment` (a negative increment decrements): the new value.
public struct INCRBY<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var increment: Int
    /// Creates the command.
    public init(_ key: Key, _ increment: Int) {
        self.key = key
        self.increment = increment
    }
    public var name: String { "INCRBY" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("INCRBY", key, increment) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `DECRBY key decrement`: the new value.
public struct DECRBY<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var decrement: Int
    /// Creates the command.
    public init(_ key: Key, _ decrement: Int) {
        self.key = key
        self.decrement = decrement
    }
    public var name: String { "DECRBY" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("DECRBY", key, decrement) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `INCRBYFLOAT key increment`: the new value.
public struct INCRBYFLOAT<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var increment: Double
    /// Creates the command.
    public init(_ key: Key, _ increment: Double) {
        self.key = key
        self.increment = increment
    }
    public var name: String { "INCRBYFLOAT" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("INCRBYFLOAT", key, increment) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Double { try reply.asDouble() }
}

/// `APPEND key value`: the length after appending.
public struct APPEND<Key: RESPCommandArgument, Value: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var value: Value
    /// Creates the command.
    public init(_ key: Key, _ value: Value) {
        self.key = key
        self.value = value
    }
    public var name: String { "APPEND" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("APPEND", key, value) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `GETDEL key`: the value, deleting the key; `nil` if it did not exist.
public struct GETDEL<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "GETDEL" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("GETDEL", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `GETEX key [EX|PX|EXAT|PXAT|PERSIST]`: the value, changing its expiry.
public struct GETEX<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var expiration: RedisExpiration?
    /// Creates the command.
    public init(_ key: Key, expiration: RedisExpiration? = nil) {
        self.key = key
        self.expiration = expiration
    }
    public var name: String { "GETEX" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: 2 + (expiration?.argumentCount ?? 0))
        encoder.writeArgument("GETEX")
        encoder.writeArgument(key)
        expiration?.write(into: &encoder)
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `STRLEN key`: the length of the value, 0 when the key does not exist.
public struct STRLEN<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "STRLEN" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("STRLEN", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `GETRANGE key start end`: the bytes of the value from `start` to `end` (inclusive; negative
/// counts from the end); empty when the key does not exist.
public struct GETRANGE<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var start: Int
    public var end: Int
    /// Creates the command.
    public init(_ key: Key, _ start: Int, _ end: Int) {
        self.key = key
        self.start = start
        self.end = end
    }
    public var name: String { "GETRANGE" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("GETRANGE", key, start, end) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8] { try reply.asBytes() }
}

extension RedisCommandRunner {
    /// `GET key`: the value, or `nil` when the key does not exist.
    @inlinable
    public func get<Key: RESPCommandArgument>(_ key: Key) async throws -> [UInt8]? {
        try await execute(GET(key))
    }

    /// `GET key` as UTF-8 text, or `nil` when the key does not exist.
    public func getString<Key: RESPCommandArgument>(_ key: Key) async throws -> String? {
        try await execute(GET(key)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `SET key value [EX|PX|EXAT|PXAT|KEEPTTL] [NX|XX]`. Returns whether the value was written
    /// (`false` when the condition prevented it).
    @discardableResult
    @inlinable
    public func set<Key: RESPCommandArgument, Value: RESPCommandArgument>(
        _ key: Key,
        _ value: Value,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) async throws -> Bool {
        try await execute(SET(key, value, expiration: expiration, condition: condition))
    }

    /// `SET key value ... GET`: writes the value and returns the previous one (`nil` if none).
    public func setAndGetPrevious<Key: RESPCommandArgument, Value: RESPCommandArgument>(
        _ key: Key,
        _ value: Value,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) async throws -> [UInt8]? {
        try await execute(SETGET(key, value, expiration: expiration, condition: condition))
    }

    /// `MGET key...`: the values in key order, `nil` for missing keys.
    public func mget<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> [[UInt8]?] {
        guard !keys.isEmpty else { return [] }
        return try await execute(MGET(keys))
    }

    /// `MSET key value ...`: writes all pairs atomically.
    public func mset<Key: RESPCommandArgument, Value: RESPCommandArgument>(
        _ pairs: [(Key, Value)]
    ) async throws {
        guard !pairs.isEmpty else { return }
        try await execute(MSET(pairs))
    }

    /// `INCR key`: the value after adding one.
    @discardableResult
    public func incr<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(INCR(key))
    }

    /// `DECR key`: the value after subtracting one.
    @discardableResult
    public func decr<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(DECR(key))
    }

    /// `INCRBY key increment` (a negative increment decrements).
    @discardableResult
    public func incr<Key: RESPCommandArgument>(_ key: Key, by increment: Int) async throws -> Int {
        try await execute(INCRBY(key, increment))
    }

    /// `DECRBY key decrement`.
    @discardableResult
    public func decr<Key: RESPCommandArgument>(_ key: Key, by decrement: Int) async throws -> Int {
        try await execute(DECRBY(key, decrement))
    }

    /// `INCRBYFLOAT key increment`.
    @discardableResult
    public func incr<Key: RESPCommandArgument>(_ key: Key, byFloat increment: Double) async throws -> Double {
        try await execute(INCRBYFLOAT(key, increment))
    }

    /// `APPEND key value`: the length after appending.
    @discardableResult
    public func append<Key: RESPCommandArgument, Value: RESPCommandArgument>(
        _ key: Key, _ value: Value
    ) async throws -> Int {
        try await execute(APPEND(key, value))
    }

    /// `GETDEL key`: the value, deleting the key; `nil` if it did not exist.
    public func getdel<Key: RESPCommandArgument>(_ key: Key) async throws -> [UInt8]? {
        try await execute(GETDEL(key))
    }

    /// `GETEX key [EX|PX|EXAT|PXAT|PERSIST]`: the value, changing its expiry.
    public func getex<Key: RESPCommandArgument>(
        _ key: Key, expiration: RedisExpiration? = nil
    ) async throws -> [UInt8]? {
        try await execute(GETEX(key, expiration: expiration))
    }

    /// `STRLEN key`: the length of the value, 0 when the key does not exist.
    public func strlen<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(STRLEN(key))
    }
}
