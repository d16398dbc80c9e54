import StrataRESP

// Hash commands.

/// `HSET key field value [field value ...]`: how many fields were added (not updated).
public struct HSET<Key: RESPCommandArgument, Field: RESPCommandArgument, Value: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var pairs: [(Field, Value)]
    /// Creates the command.
    public init(_ key: Key, _ pairs: [(Field, Value)]) {
        self.key = key
        self.pairs = pairs
    }
    public var name: String { "HSET" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: 2 + pairs.count * 2)
        encoder.writeArgument("HSET")
        encoder.writeArgument(key)
        for (field, value) in pairs {
            encoder.writeArgument(field)
            encoder.writeArgument(value)
        }
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `HGET key field`.
public struct HGET<Key: RESPCommandArgument, Field: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var field: Field
    /// Creates the command.
    public init(_ key: Key, field: Field) {
        self.key = key
        self.field = field
    }
    public var name: String { "HGET" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("HGET", key, field) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `HMGET key field...`: values in field order, `nil` for missing fields.
public struct HMGET<Key: RESPCommandArgument, Field: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var fields: [Field]
    /// Creates the command.
    public init(_ key: Key, fields: [Field]) {
        self.key = key
        self.fields = fields
    }
    public var name: String { "HMGET" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(key: "HMGET", key, fields) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]?] { try reply.optionalBytesArray() }
}

/// `HGETALL key`: every field and value (a RESP3 map or a RESP2 flat array).
public struct HGETALL<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "HGETALL" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("HGETALL", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [(field: [UInt8], value: [UInt8])] {
        let pairs = try reply.asMap()
        var result: [(field: [UInt8], value: [UInt8])] = []
        result.reserveCapacity(pairs.count)
        for pair in pairs { result.append((field: try pair.key.asBytes(), value: try pair.value.asBytes())) }
        return result
    }
}

/// `HDEL key field...`: how many fields were removed.
public struct HDEL<Key: RESPCommandArgument, Field: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var fields: [Field]
    /// Creates the command.
    public init(_ key: Key, fields: [Field]) {
        self.key = key
        self.fields = fields
    }
    public var name: String { "HDEL" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(key: "HDEL", key, fields) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `HEXISTS key field`.
public struct HEXISTS<Key: RESPCommandArgument, Field: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var field: Field
    /// Creates the command.
    public init(_ key: Key, field: Field) {
        self.key = key
        self.field = field
    }
    public var name: String { "HEXISTS" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("HEXISTS", key, field) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Bool { try reply.asInt() == 1 }
}

/// `HINCRBY key field increment`: the new value.
public struct HINCRBY<Key: RESPCommandArgument, Field: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var field: Field
    public var increment: Int
    /// Creates the command.
    public init(_ key: Key, field: Field, by increment: Int) {
        self.key = key
        self.field = field
        self.increment = increment
    }
    public var name: String { "HINCRBY" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("HINCRBY", key, field, increment) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `HLEN key`: the number of fields.
public struct HLEN<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "HLEN" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("HLEN", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `HKEYS key`.
public struct HKEYS<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "HKEYS" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("HKEYS", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]] { try reply.bytesArray() }
}

/// `HVALS key`.
public struct HVALS<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "HVALS" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("HVALS", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]] { try reply.bytesArray() }
}

extension RedisCommandRunner {
    /// `HSET key field value [field value ...]`: how many fields were added (not updated).
    @discardableResult
    public func hset<Key: RESPCommandArgument, Field: RESPCommandArgument, Value: RESPCommandArgument>(
        _ key: Key,
        _ pairs: [(Field, Value)]
    ) async throws -> Int {
        guard !pairs.isEmpty else { return 0 }
        return try await execute(HSET(key, pairs))
    }

    /// `HSET key field value`: whether the field is new.
    @discardableResult
    public func hset<Key: RESPCommandArgument, Field: RESPCommandArgument, Value: RESPCommandArgument>(
        _ key: Key,
        field: Field,
        value: Value
    ) async throws -> Bool {
        try await execute(HSET(key, [(field, value)])) == 1
    }

    /// `HGET key field`.
    public func hget<Key: RESPCommandArgument, Field: RESPCommandArgument>(_ key: Key, field: Field) async throws
        -> [UInt8]?
    {
        try await execute(HGET(key, field: field))
    }

    /// `HMGET key field...`: values in field order, `nil` for missing fields.
    public func hmget<Key: RESPCommandArgument, Field: RESPCommandArgument>(_ key: Key, fields: [Field]) async throws
        -> [[UInt8]?]
    {
        guard !fields.isEmpty else { return [] }
        return try await execute(HMGET(key, fields: fields))
    }

    /// `HGETALL key`: every field and value (a RESP3 map or a RESP2 flat array).
    public func hgetall<Key: RESPCommandArgument>(_ key: Key) async throws -> [(field: [UInt8], value: [UInt8])] {
        try await execute(HGETALL(key))
    }

    /// `HGETALL key` as a dictionary of strings.
    public func hgetallStrings<Key: RESPCommandArgument>(_ key: Key) async throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in try await execute(HGETALL(key)) {
            result[String(decoding: pair.field, as: UTF8.self)] = String(decoding: pair.value, as: UTF8.self)
        }
        return result
    }

    /// `HDEL key field...`: how many fields were removed.
    @discardableResult
    public func hdel<Key: RESPCommandArgument, Field: RESPCommandArgument>(_ key: Key, fields: [Field]) async throws
        -> Int
    {
        guard !fields.isEmpty else { return 0 }
        return try await execute(HDEL(key, fields: fields))
    }

    /// `HEXISTS key field`.
    public func hexists<Key: RESPCommandArgument, Field: RESPCommandArgument>(_ key: Key, field: Field) async throws
        -> Bool
    {
        try await execute(HEXISTS(key, field: field))
    }

    /// `HINCRBY key field increment`: the new value.
    @discardableResult
    public func hincr<Key: RESPCommandArgument, Field: RESPCommandArgument>(
        _ key: Key, field: Field, by increment: Int = 1
    ) async throws -> Int {
        try await execute(HINCRBY(key, field: field, by: increment))
    }

    /// `HLEN key`: the number of fields.
    public func hlen<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(HLEN(key))
    }

    /// `HKEYS key`.
    public func hkeys<Key: RESPCommandArgument>(_ key: Key) async throws -> [[UInt8]] {
        try await execute(HKEYS(key))
    }

    /// `HVALS key`.
    public func hvals<Key: RESPCommandArgument>(_ key: Key) async throws -> [[UInt8]] {
        try await execute(HVALS(key))
    }
}
