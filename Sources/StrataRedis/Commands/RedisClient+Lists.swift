import StrataRESP

/// List commands, including the blocking pops (which lease a connection of their own, so they
/// never hold up other callers).
extension RedisClient {
    /// `LPUSH key element...`: the length after the push.
    @discardableResult
    public func lpush<Element: RESPCommandArgument>(_ key: some RESPCommandArgument, _ elements: [Element]) async throws
        -> Int
    {
        try await push("LPUSH", key, elements)
    }

    /// `RPUSH key element...`: the length after the push.
    @discardableResult
    public func rpush<Element: RESPCommandArgument>(_ key: some RESPCommandArgument, _ elements: [Element]) async throws
        -> Int
    {
        try await push("RPUSH", key, elements)
    }

    private func push<Element: RESPCommandArgument>(
        _ command: StaticString,
        _ key: some RESPCommandArgument,
        _ elements: [Element]
    ) async throws -> Int {
        guard !elements.isEmpty else { return try await llen(key) }
        return try await run(
            command, encode: { $0.writeCommand(key: command.description, key, elements) }, decode: { try $0.asInt() })
    }

    /// `LPOP key`: the first element, or `nil` when the list is empty.
    public func lpop(_ key: some RESPCommandArgument) async throws -> [UInt8]? {
        try await run("LPOP", encode: { $0.writeCommand("LPOP", key) }, decode: { try $0.optionalBytes() })
    }

    /// `RPOP key`: the last element, or `nil` when the list is empty.
    public func rpop(_ key: some RESPCommandArgument) async throws -> [UInt8]? {
        try await run("RPOP", encode: { $0.writeCommand("RPOP", key) }, decode: { try $0.optionalBytes() })
    }

    /// `LRANGE key start stop` (inclusive; negative indexes count from the end).
    public func lrange(_ key: some RESPCommandArgument, _ start: Int, _ stop: Int) async throws -> [[UInt8]] {
        try await run(
            "LRANGE", encode: { $0.writeCommand("LRANGE", key, start, stop) }, decode: { try $0.bytesArray() })
    }

    /// `LLEN key`.
    public func llen(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("LLEN", encode: { $0.writeCommand("LLEN", key) }, decode: { try $0.asInt() })
    }

    /// `LINDEX key index`.
    public func lindex(_ key: some RESPCommandArgument, _ index: Int) async throws -> [UInt8]? {
        try await run("LINDEX", encode: { $0.writeCommand("LINDEX", key, index) }, decode: { try $0.optionalBytes() })
    }

    /// `LTRIM key start stop`.
    public func ltrim(_ key: some RESPCommandArgument, _ start: Int, _ stop: Int) async throws {
        try await run("LTRIM", encode: { $0.writeCommand("LTRIM", key, start, stop) }, decode: { try $0.ok() })
    }

    /// `LREM key count element`: how many were removed.
    @discardableResult
    public func lrem(_ key: some RESPCommandArgument, count: Int, _ element: some RESPCommandArgument) async throws
        -> Int
    {
        try await run("LREM", encode: { $0.writeCommand("LREM", key, count, element) }, decode: { try $0.asInt() })
    }

    /// `BLPOP key... timeout`: waits up to `timeout` for an element at the head of the first
    /// non-empty list. Returns the key and the element, or `nil` on timeout. Runs on a leased
    /// connection so it never blocks other callers.
    public func blpop<Key: RESPCommandArgument>(_ keys: [Key], timeout: Duration) async throws -> (
        key: [UInt8], element: [UInt8]
    )? {
        try await blockingPop("BLPOP", keys, timeout: timeout)
    }

    /// `BRPOP key... timeout`: like ``blpop(_:timeout:)``, from the tail.
    public func brpop<Key: RESPCommandArgument>(_ keys: [Key], timeout: Duration) async throws -> (
        key: [UInt8], element: [UInt8]
    )? {
        try await blockingPop("BRPOP", keys, timeout: timeout)
    }

    private func blockingPop<Key: RESPCommandArgument>(
        _ command: String,
        _ keys: [Key],
        timeout: Duration
    ) async throws -> (key: [UInt8], element: [UInt8])? {
        let seconds = RESPEncoder.formatDouble(timeout.seconds)
        let limit = commandTimeout.map { $0 + timeout }
        return try await withConnection { connection in
            let reply = try await connection.connection.send(timeout: limit) { encoder in
                encoder.writeArrayHeader(count: keys.count + 2)
                encoder.writeArgument(command)
                for key in keys { encoder.writeArgument(key) }
                encoder.writeArgument(seconds)
            }
            if reply.isError { throw RedisServerError(message: reply.errorMessage ?? "") }
            if reply.isNull { return nil }
            do {
                let parts = try reply.asArray()
                guard parts.count == 2 else { throw RESPDecodingError(expected: "[key, element]", actual: reply) }
                return (try parts[0].asBytes(), try parts[1].asBytes())
            } catch let error as RESPDecodingError {
                throw RedisClientError(.unexpectedReply, "\(command): \(error)")
            }
        }
    }
}
