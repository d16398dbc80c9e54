/// Runs around each command of a ``RedisClient`` and each read of a `TieredCache`, in the
/// caller's task: what the caller's task-local values (a trace's `ServiceContext`, a request ID)
/// say is what the interceptor sees, and what it binds around `next` reaches the work inside.
/// Set it with ``RedisConfiguration/interceptor`` and `TieredCacheOptions.interceptor`.
///
/// ```swift
/// final class Timer: StrataInterceptor {
///     nonisolated(nonsending) func intercept<Result>(
///         _ operation: StrataOperation, _ next: () async throws -> Result
///     ) async throws -> Result {
///         let started = ContinuousClock.now
///         defer { print(operation.name, started.duration(to: .now)) }
///         return try await next()
///     }
/// }
/// var configuration = RedisConfiguration(host: "127.0.0.1", port: 6379)
/// configuration.interceptor = Timer()
/// ```
///
/// Where it runs:
/// - **Commands.** Once around each command a client runs: typed commands and `send` on its
///   shared connections, blocking commands on the lease the client takes for them, and each
///   command on a connection leased with ``RedisClient/withConnection(_:)``. A pipeline or a
///   transaction is one call around the whole batch (``StrataOperation/Kind-swift.struct/pipeline``,
///   ``StrataOperation/Kind-swift.struct/transaction``, with the batch's size). A
///   ``RedisClusterClient`` runs the interceptor of its ``RedisClusterConfiguration/node``
///   configuration the same way: once around a command with its redirections and retries, once
///   around a pipeline however many nodes it is split across.
/// - **Cache reads.** Once around each `TieredCache` read (`get`, `fetch`), local hits included;
///   the commands its Redis tiers run for that read are intercepted inside it when they run in
///   the reading task, so a tracer nests them. Background work a read starts (a refresh, a
///   load that outlives its timeout) runs in unstructured tasks, which inherit the reading
///   task's task-local values: its commands are intercepted with the read's context (a tracer
///   may show them under the read's span, after it ended).
/// - **Not intercepted:** the client's own background traffic (health checks, client tracking's
///   pings) except through the commands it runs, pub/sub messages, connection setup.
///
/// `intercept` must call `next` exactly once and return its value, or throw; what `next` throws
/// it should rethrow unchanged, since callers match on ``RedisClientError`` and
/// ``RedisServerError``. Declared `nonisolated(nonsending)`, as the requirement is, it runs on
/// the caller's executor and adds no thread hop (a plain `func` conforms too, and runs on the
/// global executor).
///
/// **Cost.** Without an interceptor, each place one could run costs one branch: no allocation,
/// no extra async frame. With one, a call costs what the interceptor does, plus a closure
/// context for `next`. An observer (``StrataObserver``) runs inside the interceptor, so the
/// `commandFinished` event of a command is reported within its interception.
public protocol StrataInterceptor: AnyObject, Sendable {
    /// Runs `next` (the command, the batch or the cache read described by `operation`) and
    /// returns what it returns.
    nonisolated(nonsending) func intercept<Result>(
        _ operation: StrataOperation,
        _ next: () async throws -> Result
    ) async throws -> Result
}

/// What a ``StrataInterceptor`` is running around: a command, a pipeline, a transaction, or a
/// cache read.
public struct StrataOperation: Sendable, Hashable, CustomStringConvertible {
    /// The kind of operation.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case command, pipeline, transaction, cacheRead
        }
        private let base: Base

        /// One command (``StrataOperation/name`` is its name, such as `GET`).
        public static let command = Kind(base: .command)
        /// A pipeline: its commands in one write (name `PIPELINE`).
        public static let pipeline = Kind(base: .pipeline)
        /// A `MULTI`/`EXEC` transaction (name `MULTI`).
        public static let transaction = Kind(base: .transaction)
        /// A `TieredCache` read (name `cache.get`; ``StrataOperation/key`` is the key).
        public static let cacheRead = Kind(base: .cacheRead)

        public var description: String {
            switch base {
            case .command: "command"
            case .pipeline: "pipeline"
            case .transaction: "transaction"
            case .cacheRead: "cache read"
            }
        }
    }

    /// The kind of operation.
    public var kind: Kind
    /// The command's name (`GET`), `PIPELINE`, `MULTI`, or `cache.get`.
    public var name: String
    /// How many commands: 1 for a command, the batch's size for a pipeline or a transaction
    /// (without `MULTI` and `EXEC`), 0 for a cache read.
    public var commandCount: Int
    /// The key of a cache read (it may hold personal data: record it with care); `nil` for
    /// commands.
    public var key: String?

    /// An operation of kind `kind`.
    public init(kind: Kind, name: String, commandCount: Int, key: String? = nil) {
        self.kind = kind
        self.name = name
        self.commandCount = commandCount
        self.key = key
    }

    /// The command named `name`.
    public static func command(_ name: String) -> StrataOperation {
        StrataOperation(kind: .command, name: name, commandCount: 1)
    }

    /// A pipeline of `count` commands.
    public static func pipeline(count: Int) -> StrataOperation {
        StrataOperation(kind: .pipeline, name: "PIPELINE", commandCount: count)
    }

    /// A transaction of `count` commands.
    public static func transaction(count: Int) -> StrataOperation {
        StrataOperation(kind: .transaction, name: "MULTI", commandCount: count)
    }

    /// A cache read of `key`.
    public static func cacheRead(_ key: String) -> StrataOperation {
        StrataOperation(kind: .cacheRead, name: "cache.get", commandCount: 0, key: key)
    }

    /// `GET`, `PIPELINE (3 commands)`, `cache.get`.
    public var description: String {
        switch kind {
        case .pipeline, .transaction: "\(name) (\(commandCount) commands)"
        default: name
        }
    }
}

/// An interceptor held by a configuration: equal when it is the same object (or both are absent),
/// so configurations stay `Hashable`.
struct InterceptorSlot: Sendable, Hashable {
    let interceptor: (any StrataInterceptor)?

    static func == (lhs: InterceptorSlot, rhs: InterceptorSlot) -> Bool {
        lhs.interceptor.map(ObjectIdentifier.init) == rhs.interceptor.map(ObjectIdentifier.init)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(interceptor.map(ObjectIdentifier.init))
    }
}
