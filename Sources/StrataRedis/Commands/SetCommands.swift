import StrataRESP

// Set commands.

/// `SADD key member...`: how many members were new.
public struct SADD<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var members: [Member]
    /// Creates the command.
    public init(_ key: Key, _ members: [Member]) {
        self.key = key
        self.members = members
    }
    public var name: String { "SADD" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(key: "SADD", key, members) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `SREM key member...`: how many members were removed.
public struct SREM<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var members: [Member]
    /// Creates the command.
    public init(_ key: Key, _ members: [Member]) {
        self.key = key
        self.members = members
    }
    public var name: String { "SREM" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(key: "SREM", key, members) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `SMEMBERS key` (a RESP3 set or a RESP2 array), in the server's order.
public struct SMEMBERS<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "SMEMBERS" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("SMEMBERS", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]] { try reply.bytesArray() }
}

/// `SISMEMBER key member`.
public struct SISMEMBER<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var member: Member
    /// Creates the command.
    public init(_ key: Key, _ member: Member) {
        self.key = key
        self.member = member
    }
    public var name: String { "SISMEMBER" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("SISMEMBER", key, member) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Bool { try reply.asInt() == 1 }
}

/// `SCARD key`.
public struct SCARD<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "SCARD" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("SCARD", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `SPOP key`: a random member, removed; `nil` when the set is empty.
public struct SPOP<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "SPOP" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("SPOP", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8]? { try reply.optionalBytes() }
}

/// `SINTER key...`.
public struct SINTER<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    /// Creates the command.
    public init(_ keys: [Key]) { self.keyList = keys }
    public var name: String { "SINTER" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(prepending: "SINTER", keyList) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]] { try reply.bytesArray() }
}

/// `SUNION key...`.
public struct SUNION<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    /// Creates the command.
    public init(_ keys: [Key]) { self.keyList = keys }
    public var name: String { "SUNION" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(prepending: "SUNION", keyList) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [[UInt8]] { try reply.bytesArray() }
}

extension RedisCommandRunner {
    /// `SADD key member...`: how many members were new.
    @discardableResult
    public func sadd<Key: RESPCommandArgument, Member: RESPCommandArgument>(_ key: Key, _ members: [Member])
        async throws -> Int
    {
        guard !members.isEmpty else { return 0 }
        return try await execute(SADD(key, members))
    }

    /// `SREM key member...`: how many members were removed.
    @discardableResult
    public func srem<Key: RESPCommandArgument, Member: RESPCommandArgument>(_ key: Key, _ members: [Member])
        async throws -> Int
    {
        guard !members.isEmpty else { return 0 }
        return try await execute(SREM(key, members))
    }

    /// `SMEMBERS key` (a RESP3 set or a RESP2 array), in the server's order.
    public func smembers<Key: RESPCommandArgument>(_ key: Key) async throws -> [[UInt8]] {
        try await execute(SMEMBERS(key))
    }

    /// `SISMEMBER key member`.
    public func sismember<Key: RESPCommandArgument, Member: RESPCommandArgument>(_ key: Key, _ member: Member)
        async throws -> Bool
    {
        try await execute(SISMEMBER(key, member))
    }

    /// `SCARD key`.
    public func scard<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(SCARD(key))
    }

    /// `SPOP key`: a random member, removed; `nil` when the set is empty.
    public func spop<Key: RESPCommandArgument>(_ key: Key) async throws -> [UInt8]? {
        try await execute(SPOP(key))
    }

    /// `SINTER key...`.
    public func sinter<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> [[UInt8]] {
        guard !keys.isEmpty else { return [] }
        return try await execute(SINTER(keys))
    }

    /// `SUNION key...`.
    public func sunion<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> [[UInt8]] {
        guard !keys.isEmpty else { return [] }
        return try await execute(SUNION(keys))
    }
}
