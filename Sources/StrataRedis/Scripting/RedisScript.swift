import StrataRESP

/// A Lua script, run with `EVALSHA` by its SHA-1 and sent in full with `EVAL` only when the
/// server does not have it yet (`NOSCRIPT`), so the script body crosses the network once per server.
///
/// ```swift
/// let release = RedisScript("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end")
/// let released = try await client.evaluate(release, keys: ["lock:job"], arguments: [token])
/// ```
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The SHA-1 of the source, as Redis names it.
    public let sha1: String

    /// Creates a script from its Lua source.
    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(Array(source.utf8))
    }
}

extension RedisClient {
    /// Runs `script` with `EVALSHA`, falling back to `EVAL` when the server answers `NOSCRIPT`.
    /// Returns the script's reply; a script error throws ``RedisServerError``.
    @discardableResult
    public func evaluate<Key: RESPCommandArgument, Argument: RESPCommandArgument>(
        _ script: RedisScript,
        keys: [Key] = [String](),
        arguments: [Argument] = [String]()
    ) async throws -> RESPValue {
        do {
            return try await evaluate(command: "EVALSHA", script.sha1, keys: keys, arguments: arguments)
        } catch let error as RedisServerError where error.code == "NOSCRIPT" {
            return try await evaluate(command: "EVAL", script.source, keys: keys, arguments: arguments)
        }
    }

    private func evaluate<Key: RESPCommandArgument, Argument: RESPCommandArgument>(
        command: String,
        _ body: String,
        keys: [Key],
        arguments: [Argument]
    ) async throws -> RESPValue {
        try await execute(idempotent: false, timeout: commandTimeout) { encoder in
            encoder.writeArrayHeader(count: 3 + keys.count + arguments.count)
            encoder.writeArgument(command)
            encoder.writeArgument(body)
            encoder.writeArgument(keys.count)
            for key in keys { encoder.writeArgument(key) }
            for argument in arguments { encoder.writeArgument(argument) }
        }
    }

    /// `SCRIPT LOAD`: stores the script on the server ahead of time; returns its SHA-1.
    @discardableResult
    public func load(_ script: RedisScript) async throws -> String {
        try await run(
            "SCRIPT LOAD", encode: { $0.writeCommand("SCRIPT", "LOAD", script.source) }, decode: { try $0.asString() })
    }
}
