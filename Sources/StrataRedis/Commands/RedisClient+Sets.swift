import StrataRESP

/// Set commands.
extension RedisClient {
    /// `SADD key member...`: how many members were new.
    @discardableResult
    public func sadd<Member: RESPCommandArgument>(_ key: some RESPCommandArgument, _ members: [Member]) async throws
        -> Int
    {
        guard !members.isEmpty else { return 0 }
        return try await run("SADD", encode: { $0.writeCommand(key: "SADD", key, members) }, decode: { try $0.asInt() })
    }

    /// `SREM key member...`: how many members were removed.
    @discardableResult
    public func srem<Member: RESPCommandArgument>(_ key: some RESPCommandArgument, _ members: [Member]) async throws
        -> Int
    {
        guard !members.isEmpty else { return 0 }
        return try await run("SREM", encode: { $0.writeCommand(key: "SREM", key, members) }, decode: { try $0.asInt() })
    }

    /// `SMEMBERS key` (a RESP3 set or a RESP2 array), in the server's order.
    public func smembers(_ key: some RESPCommandArgument) async throws -> [[UInt8]] {
        try await run("SMEMBERS", encode: { $0.writeCommand("SMEMBERS", key) }, decode: { try $0.bytesArray() })
    }

    /// `SISMEMBER key member`.
    public func sismember(_ key: some RESPCommandArgument, _ member: some RESPCommandArgument) async throws -> Bool {
        try await run(
            "SISMEMBER", encode: { $0.writeCommand("SISMEMBER", key, member) }, decode: { try $0.asInt() == 1 })
    }

    /// `SCARD key`.
    public func scard(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("SCARD", encode: { $0.writeCommand("SCARD", key) }, decode: { try $0.asInt() })
    }

    /// `SPOP key`: a random member, removed; `nil` when the set is empty.
    public func spop(_ key: some RESPCommandArgument) async throws -> [UInt8]? {
        try await run("SPOP", encode: { $0.writeCommand("SPOP", key) }, decode: { try $0.optionalBytes() })
    }

    /// `SINTER key...`.
    public func sinter<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> [[UInt8]] {
        guard !keys.isEmpty else { return [] }
        return try await run(
            "SINTER", encode: { $0.writeCommand(prepending: "SINTER", keys) }, decode: { try $0.bytesArray() })
    }

    /// `SUNION key...`.
    public func sunion<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> [[UInt8]] {
        guard !keys.isEmpty else { return [] }
        return try await run(
            "SUNION", encode: { $0.writeCommand(prepending: "SUNION", keys) }, decode: { try $0.bytesArray() })
    }
}

extension RESPEncoder {
    /// Writes `name key element...` as one command.
    mutating func writeCommand<Elements: Collection>(
        key name: String, _ key: some RESPCommandArgument, _ elements: Elements
    )
    where Elements.Element: RESPCommandArgument {
        writeArrayHeader(count: elements.count + 2)
        writeArgument(name)
        writeArgument(key)
        for element in elements { writeArgument(element) }
    }
}
