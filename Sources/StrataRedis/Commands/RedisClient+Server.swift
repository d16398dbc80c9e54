import StrataRESP

/// Connection and server commands.
extension RedisClient {
    /// `PING`: the round-trip time to the server.
    @discardableResult
    public func ping() async throws -> Duration {
        let start = ContinuousClock.now
        try await run("PING", encode: { $0.writeCommand("PING") }, decode: { try $0.ok() })
        return ContinuousClock.now - start
    }

    /// `ECHO message`.
    public func echo(_ message: some RESPCommandArgument) async throws -> [UInt8] {
        try await run("ECHO", encode: { $0.writeCommand("ECHO", message) }, decode: { try $0.asBytes() })
    }

    /// `DBSIZE`: the number of keys in the selected database.
    public func dbsize() async throws -> Int {
        try await run("DBSIZE", encode: { $0.writeCommand("DBSIZE") }, decode: { try $0.asInt() })
    }

    /// `FLUSHDB`: deletes every key of the selected database.
    public func flushdb() async throws {
        try await run("FLUSHDB", encode: { $0.writeCommand("FLUSHDB") }, decode: { try $0.ok() })
    }

    /// `INFO [section]`, parsed into `field: value` pairs (section headers and blank lines dropped).
    public func info(_ section: String? = nil) async throws -> [String: String] {
        try await run(
            "INFO",
            encode: { encoder in
                if let section { encoder.writeCommand("INFO", section) } else { encoder.writeCommand("INFO") }
            },
            decode: { reply in
                var fields: [String: String] = [:]
                for line in try reply.asString().split(whereSeparator: { $0 == "\r" || $0 == "\n" }) {
                    guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
                    fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
                }
                return fields
            })
    }

    /// `PUBLISH channel message`: how many subscribers received it.
    @discardableResult
    public func publish(_ channel: some RESPCommandArgument, _ message: some RESPCommandArgument) async throws -> Int {
        try await run("PUBLISH", encode: { $0.writeCommand("PUBLISH", channel, message) }, decode: { try $0.asInt() })
    }
}
