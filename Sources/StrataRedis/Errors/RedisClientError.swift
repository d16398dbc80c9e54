import StrataRESP

/// A failure of the client itself, not of the server: a closed or failed connection, a timeout,
/// an exhausted pool, a bad configuration, an unsupported feature.
///
/// ```swift
/// do {
///     _ = try await client.get("k")
/// } catch let error as RedisClientError where error.code == .timeout {
///     // retry later, or serve a stale value
/// }
/// ```
public struct RedisClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case connectionClosed = "connection closed"
            case connectionFailed = "connection failed"
            case timeout = "timed out"
            case cancelled = "cancelled"
            case poolExhausted = "pool exhausted"
            case invalidConfiguration = "invalid configuration"
            case unsupported = "unsupported"
            case authenticationFailed = "authentication failed"
            case protocolError = "protocol error"
            case unexpectedReply = "unexpected reply"
            case shutdown = "client shut down"
            case subscriptionLost = "subscription lost"
            case crossSlot = "cross slot"
            case decodingFailed = "decoding failed"
            case encodingFailed = "encoding failed"
        }
        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// The connection was closed (by the server, the network, or the client) before the reply arrived.
        /// A command that got this error may or may not have been executed.
        public static let connectionClosed = Code(.connectionClosed)
        /// A connection could not be established (refused, unreachable, name not found, handshake failed).
        public static let connectionFailed = Code(.connectionFailed)
        /// No reply within the command timeout, or no connection within the connect timeout.
        public static let timeout = Code(.timeout)
        /// The calling task was cancelled while it waited.
        public static let cancelled = Code(.cancelled)
        /// Every connection is leased and the wait queue is full, or the wait for one timed out.
        public static let poolExhausted = Code(.poolExhausted)
        /// The configuration or URL is not valid; the message names the problem.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The feature is not available (for example TLS in the built-in transport).
        public static let unsupported = Code(.unsupported)
        /// The server rejected the username or password.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The server sent bytes that are not valid RESP; the connection was closed.
        public static let protocolError = Code(.protocolError)
        /// The reply was valid RESP but not of the shape the command promises.
        public static let unexpectedReply = Code(.unexpectedReply)
        /// The client was shut down.
        public static let shutdown = Code(.shutdown)
        /// A subscription's connection was lost; messages may have been missed.
        public static let subscriptionLost = Code(.subscriptionLost)
        /// A command (or transaction) for Redis Cluster names keys in more than one hash slot, so no
        /// single node can run it; nothing was sent. Put the keys in one slot with a hash tag
        /// (`{user:42}:name`, `{user:42}:visits`) or send one command per slot.
        public static let crossSlot = Code(.crossSlot)
        /// The value stored at a key is not an encoding of the requested type (for example not
        /// valid JSON for it, or not valid UTF-8 text); the message names the type and what the
        /// codec found. The connection is fine and the value is left as it is.
        public static let decodingFailed = Code(.decodingFailed)
        /// A value could not be encoded by its codec; nothing was sent.
        public static let encodingFailed = Code(.encodingFailed)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// What happened and what to do about it, for people.
    public var message: String
    /// Whether the command never left the client (so retrying it cannot run it twice).
    var isUnsent = false

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: RedisClientError, rhs: RedisClientError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}

extension RedisClientError {
    /// The same error, marked as raised before the command reached the socket, so it is safe to
    /// send it again on another connection.
    var notSent: RedisClientError {
        var copy = self
        copy.isUnsent = true
        return copy
    }

    static func unexpected(_ error: RESPDecodingError, command: String) -> RedisClientError {
        RedisClientError(.unexpectedReply, "\(command): \(error)")
    }

    static func protocolViolation(_ error: RESPProtocolError) -> RedisClientError {
        RedisClientError(.protocolError, "the server sent invalid RESP (\(error)); the connection was closed")
    }
}
