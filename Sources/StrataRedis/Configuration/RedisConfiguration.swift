/// Where and how to connect: endpoint, credentials, database, protocol, timeouts and pool sizes.
///
/// ```swift
/// var configuration = try RedisConfiguration(url: "redis://app:secret@cache.internal:6379/2")
/// configuration.commandTimeout = .milliseconds(250)
/// configuration.pool.maximumConnections = 8
/// let client = try RedisClient(configuration: configuration)
/// ```
///
/// Its `description` never shows the password.
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// Where the server listens.
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// A TCP host (name, IPv4 or IPv6 address) and port.
        case tcp(host: String, port: Int)
        /// A Unix domain socket path.
        case unixSocket(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unixSocket(let path): return "unix:\(path)"
            }
        }
    }

    /// Which protocol version to speak.
    public enum ProtocolVersion: Sendable, Hashable {
        /// RESP3 through `HELLO 3`, falling back to RESP2 when the server does not know `HELLO`.
        case resp3PreferringFallback
        /// RESP2 only: no `HELLO`; authentication through `AUTH`.
        case resp2
        /// RESP3 only: a server without `HELLO` is an error.
        case resp3
    }

    /// How many connections the client keeps, and how callers wait for them.
    public struct Pool: Sendable, Hashable {
        /// Connections opened eagerly and kept open. Zero means every connection is opened lazily.
        public var minimumConnections: Int = 0
        /// Connections that ordinary commands share (multiplexed, automatically pipelined).
        public var maximumConnections: Int = 2
        /// Commands in flight on one shared connection before the pool spreads to another one.
        public var commandsPerConnectionBeforeSpreading: Int = 256
        /// The most commands in flight on one shared connection; callers beyond it wait.
        public var maximumCommandsPerConnection: Int = 16_384
        /// Connections that may be leased exclusively at once (transactions, blocking commands, subscriptions).
        public var maximumLeasedConnections: Int = 16
        /// Callers that may wait for a leased connection; beyond this they fail with `poolExhausted`.
        public var maximumWaiters: Int = 1024
        /// How long a caller waits for a leased connection before failing with `poolExhausted`.
        public var leaseTimeout: Duration = .seconds(5)
        /// An idle leased connection is checked with `PING` before reuse when it sat longer than this.
        public var idleCheckInterval: Duration = .seconds(30)

        /// Creates pool settings; the defaults suit one process talking to one server.
        public init() {}
    }

    /// How reconnection attempts are spaced after a connection fails.
    public struct Backoff: Sendable, Hashable {
        /// The wait after the first failure.
        public var initial: Duration = .milliseconds(25)
        /// The longest wait between attempts.
        public var maximum: Duration = .seconds(2)
        /// How much the wait grows after each consecutive failure.
        public var multiplier: Double = 2
        /// The fraction of the wait that is randomized (0 to 1), so clients do not reconnect in lockstep.
        public var jitter: Double = 0.2

        /// Creates backoff settings.
        public init() {}

        /// The wait after `failures` consecutive failures, with random jitter.
        public func delay(afterFailures failures: Int) -> Duration {
            delay(afterFailures: failures, random: Double.random(in: 0...1))
        }

        /// The wait after `failures` consecutive failures, with jitter drawn from `random` (0 to 1).
        func delay(afterFailures failures: Int, random: Double) -> Duration {
            guard failures > 0 else { return .zero }
            let base = initial.seconds * pow2(multiplier, failures - 1)
            let capped = min(base, maximum.seconds)
            let jittered = capped * (1 - jitter + 2 * jitter * random)
            return .nanoseconds(Int64(max(0, min(jittered, maximum.seconds)) * 1e9))
        }

        private func pow2(_ base: Double, _ exponent: Int) -> Double {
            var result = 1.0
            for _ in 0..<min(exponent, 64) { result *= base }
            return result
        }
    }

    /// Where the server listens.
    public var endpoint: Endpoint
    /// The ACL user name; `nil` authenticates as `default` when a password is set.
    public var username: String?
    /// The password; never shown in `description`.
    public var password: String?
    /// The logical database to `SELECT` (0 to 15 on a default server).
    public var database: Int = 0
    /// The name set with `CLIENT SETNAME`, shown in `CLIENT LIST`.
    public var clientName: String?
    /// The protocol version to speak.
    public var protocolVersion: ProtocolVersion = .resp3PreferringFallback
    /// How long opening a connection (including the handshake) may take.
    public var connectTimeout: Duration = .seconds(5)
    /// How long a command may wait for its reply; `nil` waits forever. Blocking commands such as
    /// `BLPOP` add their own timeout to this.
    public var commandTimeout: Duration? = .seconds(5)
    /// How long a connection may stay silent while replies are owed before it is closed (and its
    /// waiting callers fail with `timeout`); `nil`: never. A command that times out does not close
    /// its connection: it is abandoned (its reply dropped on arrival) and the other callers on the
    /// connection keep theirs. Only a server silent for this long is given up on. Keep it above the
    /// command timeout, so every caller has had its own chance first. Blocking commands' own waits
    /// do not count as silence.
    public var stallTimeout: Duration? = .seconds(10)
    /// How many replies a connection may owe to callers that gave up (timed out or cancelled)
    /// before it is closed: a connection that far behind is better replaced.
    public var maximumAbandonedReplies: Int = 4096
    /// Connection pool settings.
    public var pool = Pool()
    /// Reconnection spacing.
    public var reconnectBackoff = Backoff()
    /// Receives the client's events (connections, commands, the pool, client tracking); `nil`:
    /// none, at the cost of one branch where an event could happen. Configurations compare equal
    /// when they hold the same observer object.
    public var observer: (any StrataObserver)? {
        get { observerSlot.observer }
        set { observerSlot = ObserverSlot(observer: newValue) }
    }
    var observerSlot = ObserverSlot(observer: nil)
    /// Runs around each command, in the caller's task (``StrataInterceptor``: spans, task-local
    /// context); `nil`: none, at the cost of one branch per command. Configurations compare equal
    /// when they hold the same interceptor object.
    public var interceptor: (any StrataInterceptor)? {
        get { interceptorSlot.interceptor }
        set { interceptorSlot = InterceptorSlot(interceptor: newValue) }
    }
    var interceptorSlot = InterceptorSlot(interceptor: nil)

    /// A TCP server at `host:port`.
    public init(host: String = "127.0.0.1", port: Int = 6379) {
        self.endpoint = .tcp(host: host, port: port)
    }

    /// A server on a Unix domain socket.
    public init(unixSocketPath: String) {
        self.endpoint = .unixSocket(path: unixSocketPath)
    }

    /// Parses `redis://[[user]:password@]host[:port][/db][?query]` (IPv6 hosts in brackets,
    /// `[::1]`; `valkey://` is the same) or `unix://[[user]:password@]/path/to/socket[?query]`.
    /// Query parameters: `db`, `protocol` (`2` or `3`), `name`, `username`, `password`.
    ///
    /// The user name and the password are percent-decoded (`%40` is `@`). The password is
    /// everything after the first `:` of the user information; without a `:`, the whole user
    /// information is the password (`redis://secret@host`, as redis-cli reads it).
    ///
    /// Passwords often hold URL delimiters, so a password may also contain `/`, `#`, `?`, `@` and
    /// `:` unencoded. The rule: reading from the left, the user information ends at the first `@`
    /// after which the rest of the URL is a valid `host[:port][/db][?query]` (for `unix://`, a
    /// valid `/path[?query]`); no user information at all is tried before any `@`. So:
    /// - a URL that is valid as RFC 3986 reads it (the host part ends at the first `/`, `?` or
    ///   `#`) means what RFC 3986 says;
    /// - `redis://:pa/ss@host`, `redis://u:pa#ss@host` and `redis://u:p@ss?@host:6380/2` carry the
    ///   passwords `pa/ss`, `pa#ss` and `p@ss?`;
    /// - an `@` in a query value stays in the query: `redis://host?name=a@b` and
    ///   `redis://u:pa?ss@host?name=a@b` both connect to `host` with the client name `a@b`;
    /// - the ambiguity: when a part of the password followed by the rest of the URL is itself a
    ///   valid URL, that shorter reading wins. `redis://:12?name=x@host` is port 12 on 127.0.0.1
    ///   with the client name `x@host`, and `redis://u:a@b?name=c@host` is host `b`. Percent-encode
    ///   such a password (`%3F` for `?`, `%40` for `@`, `%23` for `#`, `%2F` for `/`) to be sure;
    /// - a `#` anywhere but in the password is an error: a fragment means nothing to Redis.
    ///
    /// Error messages never quote the URL, since any part of it may be a password; use
    /// ``redactedURL`` to show a configuration.
    ///
    /// - Throws: ``RedisClientError`` with code `invalidConfiguration` naming what is wrong, or
    ///   `unsupported` for `rediss://` (TLS is not available in the built-in transport).
    public init(url: String) throws(RedisClientError) {
        self = try RedisURLParser.parse(url)
    }

    public var description: String {
        var parts = ["\(endpoint)"]
        if let username { parts.append("user \(username)") }
        if password != nil { parts.append("password ***") }
        if database != 0 { parts.append("db \(database)") }
        if let clientName { parts.append("name \(clientName)") }
        return "RedisConfiguration(" + parts.joined(separator: ", ") + ")"
    }

    /// Checks the values a URL parser cannot: positive sizes and timeouts.
    func validated() throws(RedisClientError) -> RedisConfiguration {
        func fail(_ message: String) -> RedisClientError { RedisClientError(.invalidConfiguration, message) }
        if case .tcp(let host, let port) = endpoint {
            guard !host.isEmpty else { throw fail("the host is empty") }
            guard (1...65535).contains(port) else { throw fail("port \(port) is outside 1...65535") }
        }
        guard database >= 0 else { throw fail("database \(database) is negative") }
        guard pool.maximumConnections >= 1 else { throw fail("pool.maximumConnections must be at least 1") }
        guard pool.minimumConnections >= 0, pool.minimumConnections <= pool.maximumConnections else {
            throw fail("pool.minimumConnections must be between 0 and pool.maximumConnections")
        }
        guard pool.maximumCommandsPerConnection >= 1 else {
            throw fail("pool.maximumCommandsPerConnection must be at least 1")
        }
        guard pool.maximumLeasedConnections >= 0, pool.maximumWaiters >= 0 else {
            throw fail("pool limits must not be negative")
        }
        guard connectTimeout > .zero else { throw fail("connectTimeout must be positive") }
        if let commandTimeout, commandTimeout <= .zero { throw fail("commandTimeout must be positive") }
        if let stallTimeout, stallTimeout <= .zero { throw fail("stallTimeout must be positive") }
        guard maximumAbandonedReplies >= 1 else { throw fail("maximumAbandonedReplies must be at least 1") }
        return self
    }
}

extension RedisConfiguration: CustomReflectable {
    /// A mirror without the password, so `dump` and debuggers do not show it either.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "endpoint": endpoint, "username": username as Any, "password": password == nil ? "nil" : "***",
                "database": database, "clientName": clientName as Any, "protocolVersion": protocolVersion,
                "connectTimeout": connectTimeout, "commandTimeout": commandTimeout as Any,
                "stallTimeout": stallTimeout as Any, "maximumAbandonedReplies": maximumAbandonedReplies, "pool": pool,
                "reconnectBackoff": reconnectBackoff, "observer": observer as Any,
                "interceptor": interceptor as Any,
            ])
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
