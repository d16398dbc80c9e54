import StrataRESP

/// One Redis command as a value: how it is encoded, what its reply decodes to, which keys it
/// touches, and where it may run.
///
/// Every typed helper (`client.get(_:)`, `lease.watch(_:)`, ...) builds one of these and hands it
/// to ``RedisCommandRunner/execute(_:)->Command.Response``, so a command is encoded in exactly
/// one place, and the same value runs on the client, a leased connection, a pipeline or a
/// transaction:
///
/// ```swift
/// let name = try await client.execute(GET("user:1:name"))          // [UInt8]?
/// let (a, b) = try await client.execute(GET("a"), INCR("visits"))  // one round trip
/// ```
///
/// Write your own for a command Strata does not type:
///
/// ```swift
/// struct OBJECTFREQ: RedisCommand {
///     var key: String
///     var name: String { "OBJECT FREQ" }
///     var keys: [RedisKey] { [RedisKey(key)] }
///     func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("OBJECT", "FREQ", key) }
///     func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
/// }
/// ```
public protocol RedisCommand: Sendable {
    /// What the reply decodes to.
    associatedtype Response: Sendable = RESPValue

    /// The command's name as Redis spells it (`GET`, `CLIENT TRACKING`), for error messages.
    var name: String { get }

    /// Where the command may run; ``RedisCommandPlacement/shared`` unless it changes or holds the
    /// connection.
    var placement: RedisCommandPlacement { get }

    /// The keys the command reads or writes, for routing by hash slot (Redis Cluster).
    var keys: [RedisKey] { get }

    /// How long the server may legitimately take before it answers (a blocking command's own
    /// timeout); added to the command timeout, and the connection is not considered stalled
    /// meanwhile. `nil` for commands the server answers at once.
    var blockingDuration: Duration? { get }

    /// Writes the command (one RESP array of bulk strings).
    func encode(into encoder: inout RESPEncoder)

    /// Decodes the reply. Error replies never get here: they throw ``RedisServerError`` first.
    func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Response
}

extension RedisCommand {
    /// Ordinary commands run anywhere, shared connections included.
    @inlinable
    public var placement: RedisCommandPlacement { .shared }
    /// No keys, unless the command says otherwise.
    public var keys: [RedisKey] { [] }
    /// Answered at once.
    @inlinable
    public var blockingDuration: Duration? { nil }
}

extension RedisCommand where Response == RESPValue {
    /// The reply as it came.
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> RESPValue { reply }
}

/// Where a command may run, and why not elsewhere.
///
/// A client shares a few connections among all its callers, so a command that changes the state
/// of its connection (`SELECT`, `MULTI`, `CLIENT TRACKING`), holds it (`BLPOP`), or turns its replies
/// into a stream of messages (`SUBSCRIBE`, `MONITOR`) would derail every other caller on it. Those
/// commands say so here, and the client refuses them (or, for blocking commands, leases a
/// connection for them) before anything is written.
public struct RedisCommandPlacement: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline
    enum Kind: Sendable, Hashable {
        /// Any connection, shared ones included.
        case shared
        /// A connection of its own for as long as the server takes (blocking commands); the
        /// client leases one for the command.
        case exclusive
        /// Only on a connection leased with `withConnection`: it changes connection state that
        /// later commands depend on.
        case lease
        /// Only through the subscription API.
        case subscription
        /// Never: it breaks the request-reply stream of any connection.
        case nowhere
    }

    /// What a command does to the state of the connection it runs on, so a lease knows whether
    /// its connection can go back to the pool.
    enum Effect: Sendable, Hashable {
        case none
        case multi
        /// `EXEC` or `DISCARD`.
        case endTransaction
        case watch
        case unwatch
        case select(Int)
        /// Changes connection state the pool cannot restore (user, protocol, name, tracking, ...).
        case unknown
    }

    @usableFromInline let kind: Kind
    let effect: Effect
    /// Why the command cannot run on a shared connection, and what to use instead.
    let reason: String?

    init(_ kind: Kind, effect: Effect = .none, reason: String? = nil) {
        self.kind = kind
        self.effect = effect
        self.reason = reason
    }

    /// Runs on any connection, shared ones included.
    public static let shared = RedisCommandPlacement(.shared)

    /// Holds its connection until the server answers (a blocking command): the client leases a
    /// connection for it, so other callers are never held up.
    public static func exclusive(reason: String) -> RedisCommandPlacement {
        RedisCommandPlacement(.exclusive, reason: reason)
    }

    /// Changes the state of its connection: runs only inside `withConnection`, and that connection
    /// is closed instead of reused when the lease ends.
    public static func leaseOnly(reason: String) -> RedisCommandPlacement {
        RedisCommandPlacement(.lease, effect: .unknown, reason: reason)
    }

    /// Belongs to the subscription API (`subscribe(to:)`); refused everywhere else.
    public static func subscriptionOnly(reason: String) -> RedisCommandPlacement {
        RedisCommandPlacement(.subscription, reason: reason)
    }

    /// Breaks the request-reply stream of any connection; refused everywhere.
    public static func nowhere(reason: String) -> RedisCommandPlacement {
        RedisCommandPlacement(.nowhere, reason: reason)
    }

    /// Whether the command may be written to a connection other callers share.
    @inlinable
    public var isShared: Bool { kind == .shared }

    public var description: String {
        switch kind {
        case .shared: return "shared"
        case .exclusive: return "exclusive"
        case .lease: return "lease only"
        case .subscription: return "subscription only"
        case .nowhere: return "nowhere"
        }
    }

    /// The error for running a command named `name` where it may not run.
    func refusal(_ name: String, onLease: Bool) -> RedisClientError {
        let shown = name.isEmpty ? "an empty command" : name
        let why = reason.map { " \($0)" } ?? ""
        switch kind {
        case .shared, .exclusive:
            return RedisClientError(.unsupported, "\(shown) cannot run here.\(why)")
        case .lease:
            return RedisClientError(
                .unsupported,
                "\(shown) changes the state of the connection it runs on, which other callers share, so the "
                    + "client refuses it.\(why)")
        case .subscription:
            return RedisClientError(
                .unsupported,
                "\(shown) turns a connection into a subscriber, so the client refuses it "
                    + (onLease ? "on a leased connection too." : "on a shared connection.") + why)
        case .nowhere:
            return RedisClientError(
                .unsupported,
                "\(shown) would break the reply stream of any connection, so the client never sends it.\(why)")
        }
    }
}

/// A key as bytes, for routing a command to the node that owns it (Redis Cluster).
public struct RedisKey: Sendable, Hashable, CustomStringConvertible {
    /// The key's bytes.
    public var bytes: [UInt8]

    /// The key as written by `argument` (a `String`, `[UInt8]`, `Int`, ...).
    public init(_ argument: some RESPCommandArgument) {
        var encoder = RESPEncoder()
        argument.writeBulkString(into: &encoder)
        // `$<length>\r\n<bytes>\r\n`: keep the bytes.
        let buffer = encoder.buffer
        var start = 1
        while start < buffer.count && buffer[start] != 0x0D { start += 1 }
        start += 2
        bytes = start <= buffer.count - 2 ? Array(buffer[start..<(buffer.count - 2)]) : []
    }

    /// A key from its bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

extension RedisKey: RESPCommandArgument {
    public func writeBulkString(into encoder: inout RESPEncoder) {
        bytes.writeBulkString(into: &encoder)
    }
}

extension RedisKey: ExpressibleByStringLiteral {
    /// A key from a literal.
    public init(stringLiteral value: String) {
        self.bytes = Array(value.utf8)
    }
}
