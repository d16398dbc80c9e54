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

/// `EVAL script numkeys key... arg...` or `EVALSHA sha1 numkeys key... arg...`: the script's reply.
public struct EVAL<Key: RESPCommandArgument, Argument: RESPCommandArgument>: RedisCommand {
    public typealias Response = RESPValue
    /// The script's source (`EVAL`) or SHA-1 (`EVALSHA`).
    public var body: String
    public var bySHA1: Bool
    public var keyList: [Key]
    public var arguments: [Argument]
    /// `EVAL` with the script's source.
    public init(source: String, keys: [Key], arguments: [Argument]) {
        self.body = source
        self.bySHA1 = false
        self.keyList = keys
        self.arguments = arguments
    }
    /// `EVALSHA` with the script's SHA-1.
    public init(sha1: String, keys: [Key], arguments: [Argument]) {
        self.body = sha1
        self.bySHA1 = true
        self.keyList = keys
        self.arguments = arguments
    }
    public var name: String { bySHA1 ? "EVALSHA" : "EVAL" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: 3 + keyList.count + arguments.count)
        encoder.writeArgument(name)
        encoder.writeArgument(body)
        encoder.writeArgument(keyList.count)
        for key in keyList { encoder.writeArgument(key) }
        for argument in arguments { encoder.writeArgument(argument) }
    }
}

/// `SCRIPT LOAD source`: stores a script on the server ahead of time; its SHA-1.
public struct SCRIPTLOAD: RedisCommand {
    public var source: String
    /// Creates the command.
    public init(_ source: String) { self.source = source }
    public var name: String { "SCRIPT LOAD" }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("SCRIPT", "LOAD", source) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> String { try reply.asString() }
}

extension RedisCommandRunner {
    /// Runs `script` with `EVALSHA`, falling back to `EVAL` when the server answers `NOSCRIPT`.
    /// Returns the script's reply; a script error throws ``RedisServerError``.
    @discardableResult
    public func evaluate<Key: RESPCommandArgument, Argument: RESPCommandArgument>(
        _ script: RedisScript,
        keys: [Key] = [String](),
        arguments: [Argument] = [String]()
    ) async throws -> RESPValue {
        do {
            return try await execute(EVAL(sha1: script.sha1, keys: keys, arguments: arguments))
        } catch let error as RedisServerError where error.code == "NOSCRIPT" {
            return try await execute(EVAL(source: script.source, keys: keys, arguments: arguments))
        }
    }

    /// `SCRIPT LOAD`: stores the script on the server ahead of time; returns its SHA-1.
    @discardableResult
    public func load(_ script: RedisScript) async throws -> String {
        try await execute(SCRIPTLOAD(script.source))
    }
}
