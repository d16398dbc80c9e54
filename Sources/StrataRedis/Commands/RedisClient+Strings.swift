import StrataRESP

/// String commands: GET, SET, MGET, MSET, INCR/DECR, APPEND, GETDEL, GETEX, STRLEN.
extension RedisClient {
    /// `GET key`: the value, or `nil` when the key does not exist.
    public func get(_ key: some RESPCommandArgument) async throws -> [UInt8]? {
        try await run("GET", encode: { $0.writeCommand("GET", key) }, decode: { try $0.optionalBytes() })
    }

    /// `GET key` as UTF-8 text, or `nil` when the key does not exist.
    public func getString(_ key: some RESPCommandArgument) async throws -> String? {
        try await run("GET", encode: { $0.writeCommand("GET", key) }, decode: { try $0.optionalString() })
    }

    /// `SET key value [EX|PX|EXAT|PXAT|KEEPTTL] [NX|XX]`. Returns whether the value was written
    /// (`false` when the condition prevented it).
    @discardableResult
    public func set(
        _ key: some RESPCommandArgument,
        _ value: some RESPCommandArgument,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) async throws -> Bool {
        try await run(
            "SET",
            encode: { encoder in
                encoder.writeArrayHeader(count: 3 + (expiration?.argumentCount ?? 0) + (condition == .always ? 0 : 1))
                encoder.writeArgument("SET")
                encoder.writeArgument(key)
                encoder.writeArgument(value)
                expiration?.write(into: &encoder)
                Self.writeCondition(condition, into: &encoder)
            },
            decode: { try $0.okOrNull() })
    }

    /// `SET key value ... GET`: writes the value and returns the previous one (`nil` if none).
    public func setAndGetPrevious(
        _ key: some RESPCommandArgument,
        _ value: some RESPCommandArgument,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) async throws -> [UInt8]? {
        try await run(
            "SET",
            encode: { encoder in
                encoder.writeArrayHeader(count: 4 + (expiration?.argumentCount ?? 0) + (condition == .always ? 0 : 1))
                encoder.writeArgument("SET")
                encoder.writeArgument(key)
                encoder.writeArgument(value)
                expiration?.write(into: &encoder)
                Self.writeCondition(condition, into: &encoder)
                encoder.writeArgument("GET")
            },
            decode: { try $0.optionalBytes() })
    }

    static func writeCondition(_ condition: RedisSetCondition, into encoder: inout RESPEncoder) {
        switch condition {
        case .always: break
        case .ifNotExists: encoder.writeArgument("NX")
        case .ifExists: encoder.writeArgument("XX")
        }
    }

    /// `MGET key...`: the values in key order, `nil` for missing keys.
    public func mget<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> [[UInt8]?] {
        guard !keys.isEmpty else { return [] }
        return try await run(
            "MGET",
            encode: { encoder in
                encoder.writeArrayHeader(count: keys.count + 1)
                encoder.writeArgument("MGET")
                for key in keys { encoder.writeArgument(key) }
            },
            decode: { try $0.optionalBytesArray() })
    }

    /// `MSET key value ...`: writes all pairs atomically.
    public func mset<Key: RESPCommandArgument, Value: RESPCommandArgument>(_ pairs: [(Key, Value)]) async throws {
        guard !pairs.isEmpty else { return }
        try await run(
            "MSET",
            encode: { encoder in
                encoder.writeArrayHeader(count: pairs.count * 2 + 1)
                encoder.writeArgument("MSET")
                for (key, value) in pairs {
                    encoder.writeArgument(key)
                    encoder.writeArgument(value)
                }
            },
            decode: { try $0.ok() })
    }

    /// `INCR key`: the value after adding one.
    @discardableResult
    public func incr(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("INCR", encode: { $0.writeCommand("INCR", key) }, decode: { try $0.asInt() })
    }

    /// `DECR key`: the value after subtracting one.
    @discardableResult
    public func decr(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("DECR", encode: { $0.writeCommand("DECR", key) }, decode: { try $0.asInt() })
    }

    /// `INCRBY key increment` (a negative increment decrements).
    @discardableResult
    public func incr(_ key: some RESPCommandArgument, by increment: Int) async throws -> Int {
        try await run(
            "INCRBY", encode: { $0.writeCommand("INCRBY", key, increment) },
            decode: { try $0.asInt() })
    }

    /// `DECRBY key decrement`.
    @discardableResult
    public func decr(_ key: some RESPCommandArgument, by decrement: Int) async throws -> Int {
        try await run(
            "DECRBY", encode: { $0.writeCommand("DECRBY", key, decrement) },
            decode: { try $0.asInt() })
    }

    /// `INCRBYFLOAT key increment`.
    @discardableResult
    public func incr(_ key: some RESPCommandArgument, byFloat increment: Double) async throws -> Double {
        try await run(
            "INCRBYFLOAT", encode: { $0.writeCommand("INCRBYFLOAT", key, increment) },
            decode: { try $0.asDouble() })
    }

    /// `APPEND key value`: the length after appending.
    @discardableResult
    public func append(_ key: some RESPCommandArgument, _ value: some RESPCommandArgument) async throws -> Int {
        try await run(
            "APPEND", encode: { $0.writeCommand("APPEND", key, value) },
            decode: { try $0.asInt() })
    }

    /// `GETDEL key`: the value, deleting the key; `nil` if it did not exist.
    public func getdel(_ key: some RESPCommandArgument) async throws -> [UInt8]? {
        try await run(
            "GETDEL", encode: { $0.writeCommand("GETDEL", key) },
            decode: { try $0.optionalBytes() })
    }

    /// `GETEX key [EX|PX|EXAT|PXAT|PERSIST]`: the value, changing its expiry.
    public func getex(_ key: some RESPCommandArgument, expiration: RedisExpiration? = nil) async throws -> [UInt8]? {
        try await run(
            "GETEX",
            encode: { encoder in
                encoder.writeArrayHeader(count: 2 + (expiration?.argumentCount ?? 0))
                encoder.writeArgument("GETEX")
                encoder.writeArgument(key)
                expiration?.write(into: &encoder)
            },
            decode: { try $0.optionalBytes() })
    }

    /// `STRLEN key`: the length of the value, 0 when the key does not exist.
    public func strlen(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("STRLEN", encode: { $0.writeCommand("STRLEN", key) }, decode: { try $0.asInt() })
    }
}
