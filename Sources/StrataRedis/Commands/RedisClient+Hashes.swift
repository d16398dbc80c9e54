import StrataRESP

/// Hash commands.
extension RedisClient {
    /// `HSET key field value [field value ...]`: how many fields were added (not updated).
    @discardableResult
    public func hset<Field: RESPCommandArgument, Value: RESPCommandArgument>(
        _ key: some RESPCommandArgument,
        _ pairs: [(Field, Value)]
    ) async throws -> Int {
        guard !pairs.isEmpty else { return 0 }
        return try await run(
            "HSET",
            encode: { encoder in
                encoder.writeArrayHeader(count: 2 + pairs.count * 2)
                encoder.writeArgument("HSET")
                encoder.writeArgument(key)
                for (field, value) in pairs {
                    encoder.writeArgument(field)
                    encoder.writeArgument(value)
                }
            },
            decode: { try $0.asInt() })
    }

    /// `HSET key field value`: whether the field is new.
    @discardableResult
    public func hset(
        _ key: some RESPCommandArgument,
        field: some RESPCommandArgument,
        value: some RESPCommandArgument
    ) async throws -> Bool {
        try await run("HSET", encode: { $0.writeCommand("HSET", key, field, value) }, decode: { try $0.asInt() == 1 })
    }

    /// `HGET key field`.
    public func hget(_ key: some RESPCommandArgument, field: some RESPCommandArgument) async throws -> [UInt8]? {
        try await run("HGET", encode: { $0.writeCommand("HGET", key, field) }, decode: { try $0.optionalBytes() })
    }

    /// `HMGET key field...`: values in field order, `nil` for missing fields.
    public func hmget<Field: RESPCommandArgument>(_ key: some RESPCommandArgument, fields: [Field]) async throws
        -> [[UInt8]?]
    {
        guard !fields.isEmpty else { return [] }
        return try await run(
            "HMGET", encode: { $0.writeCommand(key: "HMGET", key, fields) }, decode: { try $0.optionalBytesArray() })
    }

    /// `HGETALL key`: every field and value (a RESP3 map or a RESP2 flat array).
    public func hgetall(_ key: some RESPCommandArgument) async throws -> [(field: [UInt8], value: [UInt8])] {
        try await run(
            "HGETALL", encode: { $0.writeCommand("HGETALL", key) },
            decode: { reply in try reply.asMap().map { (field: try $0.key.asBytes(), value: try $0.value.asBytes()) } })
    }

    /// `HGETALL key` as a dictionary of strings.
    public func hgetallStrings(_ key: some RESPCommandArgument) async throws -> [String: String] {
        try await run("HGETALL", encode: { $0.writeCommand("HGETALL", key) }, decode: { try $0.decode() })
    }

    /// `HDEL key field...`: how many fields were removed.
    @discardableResult
    public func hdel<Field: RESPCommandArgument>(_ key: some RESPCommandArgument, fields: [Field]) async throws -> Int {
        guard !fields.isEmpty else { return 0 }
        return try await run("HDEL", encode: { $0.writeCommand(key: "HDEL", key, fields) }, decode: { try $0.asInt() })
    }

    /// `HEXISTS key field`.
    public func hexists(_ key: some RESPCommandArgument, field: some RESPCommandArgument) async throws -> Bool {
        try await run("HEXISTS", encode: { $0.writeCommand("HEXISTS", key, field) }, decode: { try $0.asInt() == 1 })
    }

    /// `HINCRBY key field increment`: the new value.
    @discardableResult
    public func hincr(_ key: some RESPCommandArgument, field: some RESPCommandArgument, by increment: Int = 1)
        async throws -> Int
    {
        try await run(
            "HINCRBY", encode: { $0.writeCommand("HINCRBY", key, field, increment) }, decode: { try $0.asInt() })
    }

    /// `HLEN key`: the number of fields.
    public func hlen(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("HLEN", encode: { $0.writeCommand("HLEN", key) }, decode: { try $0.asInt() })
    }

    /// `HKEYS key`.
    public func hkeys(_ key: some RESPCommandArgument) async throws -> [[UInt8]] {
        try await run("HKEYS", encode: { $0.writeCommand("HKEYS", key) }, decode: { try $0.bytesArray() })
    }

    /// `HVALS key`.
    public func hvals(_ key: some RESPCommandArgument) async throws -> [[UInt8]] {
        try await run("HVALS", encode: { $0.writeCommand("HVALS", key) }, decode: { try $0.bytesArray() })
    }
}
