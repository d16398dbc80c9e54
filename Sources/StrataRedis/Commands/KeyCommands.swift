import StrataRESP

// Key commands: DEL, UNLINK, EXISTS, EXPIRE/PEXPIRE, PEXPIREAT, TTL/PTTL, PERSIST, TYPE, RENAME, SCAN.

/// `DEL key...`: how many of the keys existed and were removed.
public struct DEL<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    /// Creates the command.
    public init(_ keys: [Key]) { self.keyList = keys }
    public var name: String { "DEL" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(prepending: "DEL", keyList) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `UNLINK key...`: like `DEL`, but the memory is reclaimed in the background.
public struct UNLINK<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    /// Creates the command.
    public init(_ keys: [Key]) { self.keyList = keys }
    public var name: String { "UNLINK" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(prepending: "UNLINK", keyList) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `EXISTS key...`: how many of the keys exist (a key named twice counts twice).
public struct EXISTS<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    /// Creates the command.
    public init(_ keys: [Key]) { self.keyList = keys }
    public var name: String { "EXISTS" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(prepending: "EXISTS", keyList) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `PEXPIRE key milliseconds [NX|XX|GT|LT]` (sent as `EXPIRE` for whole seconds): whether the
/// expiry was set.
public struct PEXPIRE<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var milliseconds: Int
    public var condition: RedisExpireCondition?
    /// Creates the command.
    public init(_ key: Key, after duration: Duration, condition: RedisExpireCondition? = nil) {
        self.key = key
        self.milliseconds = duration.redisMilliseconds
        self.condition = condition
    }
    public var name: String { "PEXPIRE" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) {
        let wholeSeconds = milliseconds % 1000 == 0
        encoder.writeArrayHeader(count: condition == nil ? 3 : 4)
        encoder.writeArgument(wholeSeconds ? "EXPIRE" : "PEXPIRE")
        encoder.writeArgument(key)
        encoder.writeArgument(wholeSeconds ? milliseconds / 1000 : milliseconds)
        if let condition { encoder.writeArgument(condition.rawValue) }
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Bool { try reply.asInt() == 1 }
}

/// `PEXPIREAT key unix-milliseconds [NX|XX|GT|LT]`: whether the expiry was set.
public struct PEXPIREAT<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var unixMilliseconds: Int
    public var condition: RedisExpireCondition?
    /// Creates the command.
    public init(_ key: Key, unixMilliseconds: Int, condition: RedisExpireCondition? = nil) {
        self.key = key
        self.unixMilliseconds = unixMilliseconds
        self.condition = condition
    }
    public var name: String { "PEXPIREAT" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: condition == nil ? 3 : 4)
        encoder.writeArgument("PEXPIREAT")
        encoder.writeArgument(key)
        encoder.writeArgument(unixMilliseconds)
        if let condition { encoder.writeArgument(condition.rawValue) }
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Bool { try reply.asInt() == 1 }
}

/// `PTTL key`: the remaining time to live, to the millisecond.
public struct PTTL<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "PTTL" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("PTTL", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> RedisTimeToLive {
        switch try reply.asInt() {
        case -2: return .keyDoesNotExist
        case -1: return .noExpiry
        case let milliseconds: return .expires(after: .milliseconds(milliseconds))
        }
    }
}

/// `TTL key` in whole seconds, as Redis reports it (-2: no key, -1: no expiry).
public struct TTL<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "TTL" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("TTL", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `PERSIST key`: whether an expiry was removed.
public struct PERSIST<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "PERSIST" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("PERSIST", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Bool { try reply.asInt() == 1 }
}

/// `TYPE key`: `string`, `list`, `set`, `zset`, `hash`, `stream`, or `none`.
public struct TYPE<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "TYPE" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("TYPE", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> String { try reply.asString() }
}

/// `RENAME key newkey` (or `RENAMENX` when `onlyIfNewKeyIsFree`): whether it was renamed.
public struct RENAME<Key: RESPCommandArgument, NewKey: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var newKey: NewKey
    public var onlyIfNewKeyIsFree: Bool
    /// Creates the command.
    public init(_ key: Key, to newKey: NewKey, onlyIfNewKeyIsFree: Bool = false) {
        self.key = key
        self.newKey = newKey
        self.onlyIfNewKeyIsFree = onlyIfNewKeyIsFree
    }
    public var name: String { onlyIfNewKeyIsFree ? "RENAMENX" : "RENAME" }
    public var keys: [RedisKey] { [RedisKey(key), RedisKey(newKey)] }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeCommand(onlyIfNewKeyIsFree ? "RENAMENX" : "RENAME", key, newKey)
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Bool {
        if case .integer(let n) = reply.withoutAttributes { return n == 1 }
        try reply.ok()
        return true
    }
}

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`: the next cursor (0 when done) and a page
/// of keys.
public struct SCAN: RedisCommand {
    public var cursor: Int
    public var pattern: String?
    public var count: Int?
    public var type: String?
    /// Creates the command.
    public init(cursor: Int, match pattern: String? = nil, count: Int? = nil, type: String? = nil) {
        self.cursor = cursor
        self.pattern = pattern
        self.count = count
        self.type = type
    }
    public var name: String { "SCAN" }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: 2 + (pattern == nil ? 0 : 2) + (count == nil ? 0 : 2) + (type == nil ? 0 : 2))
        encoder.writeArgument("SCAN")
        encoder.writeArgument(cursor)
        if let pattern {
            encoder.writeArgument("MATCH")
            encoder.writeArgument(pattern)
        }
        if let count {
            encoder.writeArgument("COUNT")
            encoder.writeArgument(count)
        }
        if let type {
            encoder.writeArgument("TYPE")
            encoder.writeArgument(type)
        }
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> (cursor: Int, keys: [[UInt8]]) {
        let parts = try reply.asArray()
        guard parts.count == 2 else { throw RESPDecodingError(expected: "[cursor, keys]", actual: reply) }
        return (try parts[0].asInt(), try parts[1].bytesArray())
    }
}

extension RedisCommandRunner {
    /// `DEL key...`: how many of the keys existed and were removed.
    @discardableResult
    public func del<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await execute(DEL(keys))
    }

    /// `DEL key`: whether the key existed and was removed.
    @discardableResult
    public func del<Key: RESPCommandArgument>(_ key: Key) async throws -> Bool {
        try await execute(DEL([key])) == 1
    }

    /// `UNLINK key...`: like `DEL`, but the memory is reclaimed in the background.
    @discardableResult
    public func unlink<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await execute(UNLINK(keys))
    }

    /// `EXISTS key...`: how many of the keys exist (a key named twice counts twice).
    public func exists<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await execute(EXISTS(keys))
    }

    /// `EXISTS key`.
    public func exists<Key: RESPCommandArgument>(_ key: Key) async throws -> Bool {
        try await execute(EXISTS([key])) == 1
    }

    /// `PEXPIRE key milliseconds [NX|XX|GT|LT]` (or `EXPIRE` for whole seconds): whether the
    /// expiry was set.
    @discardableResult
    public func expire<Key: RESPCommandArgument>(
        _ key: Key,
        after duration: Duration,
        condition: RedisExpireCondition? = nil
    ) async throws -> Bool {
        try await execute(PEXPIRE(key, after: duration, condition: condition))
    }

    /// `PEXPIREAT key unix-milliseconds [NX|XX|GT|LT]`: whether the expiry was set.
    @discardableResult
    public func expire<Key: RESPCommandArgument>(
        _ key: Key,
        atUnixMilliseconds timestamp: Int,
        condition: RedisExpireCondition? = nil
    ) async throws -> Bool {
        try await execute(PEXPIREAT(key, unixMilliseconds: timestamp, condition: condition))
    }

    /// `PTTL key`: the remaining time to live, to the millisecond.
    public func ttl<Key: RESPCommandArgument>(_ key: Key) async throws -> RedisTimeToLive {
        try await execute(PTTL(key))
    }

    /// `TTL key` in whole seconds, as Redis reports it (-2: no key, -1: no expiry).
    public func ttlSeconds<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(TTL(key))
    }

    /// `PERSIST key`: whether an expiry was removed.
    @discardableResult
    public func persist<Key: RESPCommandArgument>(_ key: Key) async throws -> Bool {
        try await execute(PERSIST(key))
    }

    /// `TYPE key`: `string`, `list`, `set`, `zset`, `hash`, `stream`, or `none`.
    public func type<Key: RESPCommandArgument>(_ key: Key) async throws -> String {
        try await execute(TYPE(key))
    }

    /// `RENAME key newkey` (or `RENAMENX` when `onlyIfNewKeyIsFree`): whether it was renamed.
    @discardableResult
    public func rename<Key: RESPCommandArgument, NewKey: RESPCommandArgument>(
        _ key: Key,
        to newKey: NewKey,
        onlyIfNewKeyIsFree: Bool = false
    ) async throws -> Bool {
        try await execute(RENAME(key, to: newKey, onlyIfNewKeyIsFree: onlyIfNewKeyIsFree))
    }

    /// Iterates the keyspace with `SCAN`, page by page, as an async sequence of keys. Keys may
    /// repeat (as with `SCAN` itself); keys that exist for the whole iteration are returned.
    ///
    /// ```swift
    /// for try await key in client.scan(match: "user:*") { ... }
    /// ```
    public func scan(match pattern: String? = nil, count: Int? = nil, type: String? = nil) -> RedisScanSequence {
        RedisScanSequence(runner: self, pattern: pattern, count: count, type: type)
    }

    /// One `SCAN` page: the next cursor (0 when done) and the keys.
    public func scanPage(
        cursor: Int,
        match pattern: String? = nil,
        count: Int? = nil,
        type: String? = nil
    ) async throws -> (cursor: Int, keys: [[UInt8]]) {
        try await execute(SCAN(cursor: cursor, match: pattern, count: count, type: type))
    }
}

/// The keys of a `SCAN` iteration, fetched page by page as they are consumed.
public struct RedisScanSequence: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let runner: any RedisCommandRunner
    let pattern: String?
    let count: Int?
    let type: String?

    public func makeAsyncIterator() -> Iterator {
        Iterator(sequence: self)
    }

    /// Fetches the next page when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let sequence: RedisScanSequence
        var cursor = 0
        var started = false
        var page: [[UInt8]] = []
        var index = 0

        init(sequence: RedisScanSequence) {
            self.sequence = sequence
        }

        public mutating func next() async throws -> [UInt8]? {
            while index == page.count {
                if started && cursor == 0 { return nil }
                started = true
                let result = try await sequence.runner.execute(
                    SCAN(cursor: cursor, match: sequence.pattern, count: sequence.count, type: sequence.type))
                cursor = result.cursor
                page = result.keys
                index = 0
            }
            defer { index += 1 }
            return page[index]
        }
    }
}
