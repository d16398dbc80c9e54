import StrataRESP

/// When `EXPIRE` applies, relative to the key's current expiry (Redis 7).
public enum RedisExpireCondition: String, Sendable, Hashable {
    /// Only when the key has no expiry (`NX`).
    case ifNoExpiry = "NX"
    /// Only when the key has an expiry (`XX`).
    case ifHasExpiry = "XX"
    /// Only when the new expiry is later than the current one (`GT`).
    case ifGreater = "GT"
    /// Only when the new expiry is earlier than the current one (`LT`).
    case ifLess = "LT"
}

/// A key's remaining time to live, as `TTL`/`PTTL` report it.
public enum RedisTimeToLive: Sendable, Hashable {
    /// The key does not exist.
    case keyDoesNotExist
    /// The key exists and never expires.
    case noExpiry
    /// The key expires after this long.
    case expires(after: Duration)
}

/// Key commands: DEL, UNLINK, EXISTS, EXPIRE/PEXPIRE, TTL/PTTL, PERSIST, TYPE, RENAME, SCAN.
extension RedisClient {
    /// `DEL key...`: how many of the keys existed and were removed.
    @discardableResult
    public func del<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await run("DEL", encode: { $0.writeCommand(prepending: "DEL", keys) }, decode: { try $0.asInt() })
    }

    /// `DEL key`: whether the key existed and was removed.
    @discardableResult
    public func del(_ key: some RESPCommandArgument) async throws -> Bool {
        try await run("DEL", encode: { $0.writeCommand("DEL", key) }, decode: { try $0.asInt() == 1 })
    }

    /// `UNLINK key...`: like `DEL`, but the memory is reclaimed in the background.
    @discardableResult
    public func unlink<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await run(
            "UNLINK", encode: { $0.writeCommand(prepending: "UNLINK", keys) }, decode: { try $0.asInt() })
    }

    /// `EXISTS key...`: how many of the keys exist (a key named twice counts twice).
    public func exists<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await run(
            "EXISTS", encode: { $0.writeCommand(prepending: "EXISTS", keys) }, decode: { try $0.asInt() })
    }

    /// `EXISTS key`.
    public func exists(_ key: some RESPCommandArgument) async throws -> Bool {
        try await run("EXISTS", encode: { $0.writeCommand("EXISTS", key) }, decode: { try $0.asInt() == 1 })
    }

    /// `PEXPIRE key milliseconds [NX|XX|GT|LT]` (or `EXPIRE` for whole seconds): whether the
    /// expiry was set.
    @discardableResult
    public func expire(
        _ key: some RESPCommandArgument,
        after duration: Duration,
        condition: RedisExpireCondition? = nil
    ) async throws -> Bool {
        let milliseconds =
            Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        let wholeSeconds = milliseconds % 1000 == 0
        return try await run(
            "EXPIRE",
            encode: { encoder in
                encoder.writeArrayHeader(count: condition == nil ? 3 : 4)
                encoder.writeArgument(wholeSeconds ? "EXPIRE" : "PEXPIRE")
                encoder.writeArgument(key)
                encoder.writeArgument(wholeSeconds ? milliseconds / 1000 : milliseconds)
                if let condition { encoder.writeArgument(condition.rawValue) }
            },
            decode: { try $0.asInt() == 1 })
    }

    /// `PEXPIREAT key unix-milliseconds [NX|XX|GT|LT]`: whether the expiry was set.
    @discardableResult
    public func expire(
        _ key: some RESPCommandArgument,
        atUnixMilliseconds timestamp: Int,
        condition: RedisExpireCondition? = nil
    ) async throws -> Bool {
        try await run(
            "PEXPIREAT",
            encode: { encoder in
                encoder.writeArrayHeader(count: condition == nil ? 3 : 4)
                encoder.writeArgument("PEXPIREAT")
                encoder.writeArgument(key)
                encoder.writeArgument(timestamp)
                if let condition { encoder.writeArgument(condition.rawValue) }
            },
            decode: { try $0.asInt() == 1 })
    }

    /// `PTTL key`: the remaining time to live, to the millisecond.
    public func ttl(_ key: some RESPCommandArgument) async throws -> RedisTimeToLive {
        try await run(
            "PTTL", encode: { $0.writeCommand("PTTL", key) },
            decode: { reply in
                switch try reply.asInt() {
                case -2: return .keyDoesNotExist
                case -1: return .noExpiry
                case let milliseconds: return .expires(after: .milliseconds(milliseconds))
                }
            })
    }

    /// `TTL key` in whole seconds, as Redis reports it (-2: no key, -1: no expiry).
    public func ttlSeconds(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("TTL", encode: { $0.writeCommand("TTL", key) }, decode: { try $0.asInt() })
    }

    /// `PERSIST key`: whether an expiry was removed.
    @discardableResult
    public func persist(_ key: some RESPCommandArgument) async throws -> Bool {
        try await run("PERSIST", encode: { $0.writeCommand("PERSIST", key) }, decode: { try $0.asInt() == 1 })
    }

    /// `TYPE key`: `string`, `list`, `set`, `zset`, `hash`, `stream`, or `none`.
    public func type(_ key: some RESPCommandArgument) async throws -> String {
        try await run("TYPE", encode: { $0.writeCommand("TYPE", key) }, decode: { try $0.asString() })
    }

    /// `RENAME key newkey` (or `RENAMENX` when `onlyIfNewKeyIsFree`): whether it was renamed.
    @discardableResult
    public func rename(
        _ key: some RESPCommandArgument,
        to newKey: some RESPCommandArgument,
        onlyIfNewKeyIsFree: Bool = false
    ) async throws -> Bool {
        try await run(
            "RENAME",
            encode: { $0.writeCommand(onlyIfNewKeyIsFree ? "RENAMENX" : "RENAME", key, newKey) },
            decode: { reply in
                if case .integer(let n) = reply { return n == 1 }
                try reply.ok()
                return true
            })
    }

    /// Iterates the keyspace with `SCAN`, page by page, as an async sequence of keys. Keys may
    /// repeat (as with `SCAN` itself); keys that exist for the whole iteration are returned.
    ///
    /// ```swift
    /// for try await key in client.scan(match: "user:*") { ... }
    /// ```
    public func scan(match pattern: String? = nil, count: Int? = nil, type: String? = nil) -> RedisScanSequence {
        RedisScanSequence(client: self, pattern: pattern, count: count, type: type)
    }

    /// One `SCAN` page: the next cursor (0 when done) and the keys.
    public func scanPage(
        cursor: Int,
        match pattern: String? = nil,
        count: Int? = nil,
        type: String? = nil
    ) async throws -> (cursor: Int, keys: [[UInt8]]) {
        try await run(
            "SCAN",
            encode: { encoder in
                encoder.writeArrayHeader(
                    count: 2 + (pattern == nil ? 0 : 2) + (count == nil ? 0 : 2) + (type == nil ? 0 : 2))
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
            },
            decode: { reply in
                let parts = try reply.asArray()
                guard parts.count == 2 else { throw RESPDecodingError(expected: "[cursor, keys]", actual: reply) }
                return (try parts[0].asInt(), try parts[1].bytesArray())
            })
    }
}

/// The keys of a `SCAN` iteration, fetched page by page as they are consumed.
public struct RedisScanSequence: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let client: RedisClient
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
                let result = try await sequence.client.scanPage(
                    cursor: cursor, match: sequence.pattern, count: sequence.count, type: sequence.type)
                cursor = result.cursor
                page = result.keys
                index = 0
            }
            defer { index += 1 }
            return page[index]
        }
    }
}

extension RESPEncoder {
    /// Writes `name` followed by every element of `arguments` as one command.
    mutating func writeCommand<Arguments: Collection>(prepending name: String, _ arguments: Arguments)
    where Arguments.Element: RESPCommandArgument {
        writeArrayHeader(count: arguments.count + 1)
        writeArgument(name)
        for argument in arguments { writeArgument(argument) }
    }
}
