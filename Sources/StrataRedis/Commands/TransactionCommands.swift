import StrataRESP

// Transactions and connection state: MULTI, EXEC, DISCARD, WATCH, UNWATCH, SELECT. Each changes
// the state of the connection it runs on, so each runs only on a leased connection
// (`withConnection`), which tracks that state and never returns to the pool with any left.

/// `MULTI`: starts queuing commands for `EXEC`. Prefer ``RedisCommandRunner/transaction(_:)``,
/// which sends `MULTI`, the commands and `EXEC` together.
public struct MULTI: RedisCommand {
    /// Creates the command.
    public init() {}
    public var name: String { "MULTI" }
    public var placement: RedisCommandPlacement { Transactions.placement(.multi) }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("MULTI") }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `EXEC`: runs the queued commands; their replies, or `nil` when a watched key changed.
public struct EXEC: RedisCommand {
    /// Creates the command.
    public init() {}
    public var name: String { "EXEC" }
    public var placement: RedisCommandPlacement { Transactions.placement(.endTransaction) }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("EXEC") }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [RESPValue]? {
        reply.isNull ? nil : try reply.asArray()
    }
}

/// `DISCARD`: drops the queued commands.
public struct DISCARD: RedisCommand {
    /// Creates the command.
    public init() {}
    public var name: String { "DISCARD" }
    public var placement: RedisCommandPlacement { Transactions.placement(.endTransaction) }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("DISCARD") }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `WATCH key...`: the next transaction on this connection aborts if any of them changes first.
public struct WATCH<Key: RESPCommandArgument>: RedisCommand {
    public var keyList: [Key]
    /// Creates the command.
    public init(_ keys: [Key]) { self.keyList = keys }
    public var name: String { "WATCH" }
    public var keys: [RedisKey] { keyList.redisKeys }
    public var placement: RedisCommandPlacement { Transactions.placement(.watch) }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(prepending: "WATCH", keyList) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `UNWATCH`: forgets the watched keys.
public struct UNWATCH: RedisCommand {
    /// Creates the command.
    public init() {}
    public var name: String { "UNWATCH" }
    public var placement: RedisCommandPlacement { Transactions.placement(.unwatch) }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("UNWATCH") }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

/// `SELECT index`: switches the connection to another database. On a shared client, choose the
/// database with ``RedisConfiguration/database`` instead.
public struct SELECT: RedisCommand {
    public var database: Int
    /// Creates the command.
    public init(_ database: Int) { self.database = database }
    public var name: String { "SELECT" }
    public var placement: RedisCommandPlacement {
        RedisCommandPlacement(
            .lease, effect: .select(database),
            reason: "Choose the database with RedisConfiguration.database (or /N in the URL), or run SELECT "
                + "inside withConnection { ... }.")
    }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("SELECT", database) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) { try reply.ok() }
}

enum Transactions {
    static func placement(_ effect: RedisCommandPlacement.Effect) -> RedisCommandPlacement {
        RedisCommandPlacement(
            .lease, effect: effect,
            reason: "Use transaction(...) for MULTI/EXEC, or run WATCH and MULTI/EXEC inside withConnection { ... }.")
    }
}

extension RedisCommandRunner {
    /// `WATCH key...`: the next ``transaction(_:)`` on this connection aborts if any of them
    /// changes first. Only on a leased connection (`withConnection`).
    public func watch<Key: RESPCommandArgument>(_ keys: [Key]) async throws {
        guard !keys.isEmpty else { return }
        try await execute(WATCH(keys))
    }

    /// `UNWATCH`. Only on a leased connection (`withConnection`).
    public func unwatch() async throws {
        try await execute(UNWATCH())
    }
}
