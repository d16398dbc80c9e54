import StrataRESP

// Connection and server commands, and PUBLISH.

/// `PING`.
public struct PING: RedisCommand {
    /// Creates the command.
    public init() {}
    public var name: String { "PING" }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("PING") }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `ECHO message`.
public struct ECHO<Message: RESPCommandArgument>: RedisCommand {
    public var message: Message
    /// Creates the command.
    public init(_ message: Message) { self.message = message }
    public var name: String { "ECHO" }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("ECHO", message) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [UInt8] { try reply.asBytes() }
}

/// `DBSIZE`: the number of keys in the selected database.
public struct DBSIZE: RedisCommand {
    /// Creates the command.
    public init() {}
    public var name: String { "DBSIZE" }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("DBSIZE") }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `FLUSHDB`: deletes every key of the selected database.
public struct FLUSHDB: RedisCommand {
    /// Creates the command.
    public init() {}
    public var name: String { "FLUSHDB" }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("FLUSHDB") }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `INFO [section]`, parsed into `field: value` pairs (section headers and blank lines dropped).
public struct INFO: RedisCommand {
    public var section: String?
    /// Creates the command.
    public init(_ section: String? = nil) { self.section = section }
    public var name: String { "INFO" }
    public func encode(into encoder: inout RESPEncoder) {
        if let section { encoder.writeCommand("INFO", section) } else { encoder.writeCommand("INFO") }
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [String: String] {
        var fields: [String: String] = [:]
        // `\r\n` is one Character (a grapheme cluster), so split on newlines, not on "\r" or "\n".
        for line in try reply.asString().split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }
}

/// `PUBLISH channel message`: how many subscribers received it.
public struct PUBLISH<Channel: RESPCommandArgument, Message: RESPCommandArgument>: RedisCommand {
    public var channel: Channel
    public var message: Message
    /// Creates the command.
    public init(_ channel: Channel, _ message: Message) {
        self.channel = channel
        self.message = message
    }
    public var name: String { "PUBLISH" }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("PUBLISH", channel, message) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

extension RedisCommandRunner {
    /// `PING`: the round-trip time to the server.
    @discardableResult
    public func ping() async throws -> Duration {
        let start = ContinuousClock.now
        try await execute(PING())
        return ContinuousClock.now - start
    }

    /// `ECHO message`.
    public func echo<Message: RESPCommandArgument>(_ message: Message) async throws -> [UInt8] {
        try await execute(ECHO(message))
    }

    /// `DBSIZE`: the number of keys in the selected database.
    public func dbsize() async throws -> Int {
        try await execute(DBSIZE())
    }

    /// `FLUSHDB`: deletes every key of the selected database.
    public func flushdb() async throws {
        try await execute(FLUSHDB())
    }

    /// `INFO [section]`, parsed into `field: value` pairs (section headers and blank lines dropped).
    public func info(_ section: String? = nil) async throws -> [String: String] {
        try await execute(INFO(section))
    }

    /// `PUBLISH channel message`: how many subscribers received it.
    @discardableResult
    public func publish<Channel: RESPCommandArgument, Message: RESPCommandArgument>(
        _ channel: Channel, _ message: Message
    ) async throws -> Int {
        try await execute(PUBLISH(channel, message))
    }
}
